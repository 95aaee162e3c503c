package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// Fields an article offers to field-scoped terms.
const (
	fieldTitle = iota
	fieldSummary
	fieldContent
	fieldAuthor
	fieldCategory
	fieldURL
	numFields
)

var fieldNames = [numFields]string{"title", "summary", "content", "author", "category", "url"}

var defaultFields = []int{fieldTitle, fieldSummary, fieldContent}

type termKind int

const (
	termText  termKind = iota // words, phrase, prefix
	termRegex                 // /re/ against field text
	termSite                  // site:host
	termFeed                  // feed:"name"
	termTag                   // tag:name
)

// node is a parsed query.
type node interface{}

type termNode struct {
	kind     termKind
	raw      string // as written, shown in explanations
	pos      int    // byte offset in the query, for errors
	text     string // unquoted words (termText) or value (site/feed/tag)
	prefix   bool   // last word is a prefix (word*)
	caseSens bool
	fields   []int // nil: defaultFields
	words    []string
	re       *regexp.Regexp
}

type andNode struct{ kids []node }
type orNode struct{ kids []node }
type notNode struct{ kid node }
type nearNode struct {
	left, right node
	n           int
	ordered     bool
}

// parser is a recursive-descent parser over lexed items. Precedence,
// tightest first: NOT/-, NEAR/ONEAR, AND/adjacency, OR.
type parser struct {
	items []item
	i     int
	lists map[string][]string
	depth int
}

// parseQuery parses q. lists resolves @name references.
func parseQuery(q string, lists map[string][]string) (node, error) {
	if len(q) > MaxQueryLen {
		return nil, &QueryError{MaxQueryLen, fmt.Sprintf("query is %d characters long; the limit is %d", len(q), MaxQueryLen)}
	}
	if strings.TrimSpace(q) == "" {
		return nil, &QueryError{0, "query is empty"}
	}
	items, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{items: items, lists: lists}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if it := p.peek(); it.kind != itemEOF {
		if it.kind == itemRParen {
			return nil, &QueryError{it.pos, `unbalanced ")": no "(" before it`}
		}
		return nil, &QueryError{it.pos, "expected an operator or end of query, found " + it.describe()}
	}
	if !requires(n) {
		return nil, &QueryError{0, "query has no positive term: it would match almost every article (add a word that must be present)"}
	}
	if err := finish(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *parser) peek() item { return p.items[p.i] }

func (p *parser) next() item {
	it := p.items[p.i]
	if it.kind != itemEOF {
		p.i++
	}
	return it
}

func (p *parser) prev() string {
	if p.i == 0 {
		return "start of query"
	}
	return p.items[p.i-1].text
}

func (p *parser) parseOr() (node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.peek().kind == itemOr {
		p.next()
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &orNode{kids}, nil
}

func (p *parser) parseAnd() (node, error) {
	first, err := p.parseNear()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		switch p.peek().kind {
		case itemAnd:
			p.next()
		case itemWord, itemPhrase, itemRegex, itemList, itemPrefix, itemLParen, itemNot, itemMinus:
			// adjacency means AND
		default:
			if len(kids) == 1 {
				return first, nil
			}
			return &andNode{kids}, nil
		}
		n, err := p.parseNear()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
}

func (p *parser) parseNear() (node, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == itemNear {
		op := p.next()
		if err := spanOperand(left, op); err != nil {
			return nil, err
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if err := spanOperand(right, op); err != nil {
			return nil, err
		}
		left = &nearNode{left: left, right: right, n: op.n, ordered: op.ordered}
	}
	return left, nil
}

// spanOperand checks that n can be an operand of NEAR: words, phrases,
// wildcards, lists, or OR groups of these.
func spanOperand(n node, op item) error {
	switch n := n.(type) {
	case *termNode:
		if n.kind == termText {
			return nil
		}
		return &QueryError{n.pos, fmt.Sprintf("%s cannot be an operand of %s (use words, phrases, wildcards, lists or OR groups of these)", n.raw, op.text)}
	case *orNode:
		for _, k := range n.kids {
			if err := spanOperand(k, op); err != nil {
				return err
			}
		}
		return nil
	default:
		return &QueryError{op.pos, fmt.Sprintf("the operands of %s must be words, phrases, wildcards, lists or OR groups of these, not AND, NOT or NEAR expressions", op.text)}
	}
}

func (p *parser) parseUnary() (node, error) {
	if k := p.peek().kind; k == itemNot || k == itemMinus {
		op := p.next()
		if err := p.enter(op); err != nil {
			return nil, err
		}
		defer p.leave()
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &notNode{n}, nil
	}
	return p.parsePrimary()
}

func (p *parser) enter(at item) error {
	p.depth++
	if p.depth > MaxDepth {
		return &QueryError{at.pos, fmt.Sprintf("query is nested more than %d levels deep", MaxDepth)}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parsePrimary() (node, error) {
	after := p.prev()
	it := p.next()
	switch it.kind {
	case itemLParen:
		if err := p.enter(it); err != nil {
			return nil, err
		}
		defer p.leave()
		if p.peek().kind == itemRParen {
			return nil, &QueryError{p.peek().pos, `expected a word or "(" after "(", found ")"`}
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != itemRParen {
			return nil, &QueryError{c.pos, fmt.Sprintf(`expected ")" to close the "(" at column %d, found %s`, it.pos+1, c.describe())}
		}
		return n, nil
	case itemWord:
		return wordTerm(it)
	case itemPhrase:
		return &termNode{kind: termText, raw: it.text, pos: it.pos, text: it.val}, nil
	case itemRegex:
		return &termNode{kind: termRegex, raw: it.text, pos: it.pos, text: it.val}, nil
	case itemList:
		return p.listNode(it)
	case itemPrefix:
		return p.prefixed(it)
	default:
		return nil, &QueryError{it.pos, fmt.Sprintf(`expected a word or "(" after %s, found %s`, after, it.describe())}
	}
}

func wordTerm(it item) (node, error) {
	w := it.val
	t := &termNode{kind: termText, raw: it.text, pos: it.pos, text: w}
	if strings.HasSuffix(w, "*") {
		t.text = strings.TrimSuffix(w, "*")
		t.prefix = true
		if strings.Contains(t.text, "*") {
			return nil, &QueryError{it.pos, fmt.Sprintf("%q: '*' is allowed only at the end of a word", w)}
		}
	} else if strings.Contains(w, "*") {
		return nil, &QueryError{it.pos, fmt.Sprintf("%q: '*' is allowed only at the end of a word", w)}
	}
	return t, nil
}

func (p *parser) listNode(it item) (node, error) {
	entries, ok := p.lists[it.val]
	if !ok {
		return nil, &QueryError{it.pos, fmt.Sprintf("unknown list @%s (define it under lists: in a lists file)", it.val)}
	}
	or := &orNode{}
	for _, e := range entries {
		t := &termNode{kind: termText, raw: it.text + ":" + e, pos: it.pos, text: e}
		if rest, ok := strings.CutPrefix(e, "case:"); ok {
			t.caseSens = true
			t.text = rest
		}
		if rest, ok := strings.CutSuffix(t.text, "*"); ok {
			t.prefix = true
			t.text = rest
		}
		or.kids = append(or.kids, t)
	}
	if len(or.kids) == 0 {
		return nil, &QueryError{it.pos, fmt.Sprintf("list @%s is empty", it.val)}
	}
	return or, nil
}

// prefixed parses the operand of a field or case: prefix and applies it to
// every term inside.
func (p *parser) prefixed(pre item) (node, error) {
	name := pre.val
	next := p.peek()
	switch name {
	case "site", "feed", "tag":
		if next.kind != itemWord && next.kind != itemPhrase {
			return nil, &QueryError{next.pos, fmt.Sprintf("expected a word or phrase after %s, found %s", pre.text, next.describe())}
		}
		p.next()
		kind := map[string]termKind{"site": termSite, "feed": termFeed, "tag": termTag}[name]
		return &termNode{kind: kind, raw: pre.text + next.text, pos: pre.pos, text: next.val}, nil
	}
	if next.kind == itemEOF || next.kind == itemRParen || next.kind == itemAnd || next.kind == itemOr || next.kind == itemNear {
		return nil, &QueryError{next.pos, fmt.Sprintf(`expected a word, phrase, list or "(" after %s, found %s`, pre.text, next.describe())}
	}
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	var bad error
	walkTerms(n, func(t *termNode) {
		switch {
		case t.kind != termText && t.kind != termRegex:
			bad = &QueryError{t.pos, fmt.Sprintf("%s cannot be used inside %s", t.raw, pre.text)}
		case name == "case":
			t.caseSens = true
		default:
			t.fields = []int{fieldIndex(name)}
		}
		t.raw = pre.text + t.raw
	})
	return n, bad
}

func fieldIndex(name string) int {
	for i, f := range fieldNames {
		if f == name {
			return i
		}
	}
	panic("unknown field " + name)
}

func walkTerms(n node, f func(*termNode)) {
	switch n := n.(type) {
	case *termNode:
		f(n)
	case *andNode:
		for _, k := range n.kids {
			walkTerms(k, f)
		}
	case *orNode:
		for _, k := range n.kids {
			walkTerms(k, f)
		}
	case *notNode:
		walkTerms(n.kid, f)
	case *nearNode:
		walkTerms(n.left, f)
		walkTerms(n.right, f)
	}
}

// requires reports whether n can only match when some term is present.
func requires(n node) bool {
	switch n := n.(type) {
	case *termNode, *nearNode:
		return true
	case *andNode:
		for _, k := range n.kids {
			if requires(k) {
				return true
			}
		}
		return false
	case *orNode:
		for _, k := range n.kids {
			if !requires(k) {
				return false
			}
		}
		return true
	}
	return false
}

// finish compiles every term: words are tokenized with the article word
// rules, regexes compiled.
func finish(n node) error {
	var err error
	walkTerms(n, func(t *termNode) {
		if err != nil {
			return
		}
		switch t.kind {
		case termRegex:
			src := t.text
			if !t.caseSens {
				src = "(?i)" + src
			}
			re, e := regexp.Compile(src)
			if e != nil {
				err = &QueryError{t.pos, fmt.Sprintf("bad regular expression %s: %v", t.raw, strings.TrimPrefix(e.Error(), "error parsing regexp: "))}
				return
			}
			t.re = re
		case termText:
			toks := tokenize(t.text)
			if len(toks) == 0 {
				err = &QueryError{t.pos, fmt.Sprintf("%s has no letters or digits to match", t.raw)}
				return
			}
			for _, tk := range toks {
				if t.caseSens {
					t.words = append(t.words, tk.cased)
				} else {
					t.words = append(t.words, tk.norm)
				}
			}
			if t.prefix && len([]rune(t.words[len(t.words)-1])) < 3 {
				err = &QueryError{t.pos, fmt.Sprintf("%s: a wildcard needs at least 3 characters before '*'", t.raw)}
			}
		case termSite:
			t.text = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(t.text, "www."), "."))
		case termFeed:
			t.text = strings.ToLower(t.text)
		case termTag:
			t.text = strings.ToLower(t.text)
		}
	})
	return err
}
