package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/feedwatch/feedwatch/internal/text"
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
	key      string // first word, lower-cased: where to look it up in a document
	list     string // "@name" when the term is an entry of a list
	bad      bool   // a placeholder for something that did not parse
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
// tightest first: NOT/-, NEAR/ONEAR, AND/adjacency, OR. It records every
// problem and carries on with a placeholder term, so a rule editor sees
// all of them at once.
type parser struct {
	items    []item
	i        int
	lists    map[string][]string
	depth    int
	tooDeep  bool
	problems []*QueryError
}

// maxProblems bounds the problems reported for one query.
const maxProblems = 20

// parseQuery parses q. lists resolves @name references. On failure the
// error is QueryErrors: every problem, in query order.
func parseQuery(q string, lists map[string][]string) (node, error) {
	if len(q) > MaxQueryLen {
		return nil, QueryErrors{{MaxQueryLen, fmt.Sprintf("query is %d characters long; the limit is %d", len(q), MaxQueryLen)}}
	}
	if strings.TrimSpace(q) == "" {
		return nil, QueryErrors{{0, "query is empty"}}
	}
	items, lexProblems := lex(q)
	p := &parser{items: items, lists: lists, problems: lexProblems}
	n := p.parseOr()
	for p.peek().kind != itemEOF {
		it := p.next()
		if it.kind == itemRParen {
			p.fail(it.pos, `unbalanced ")": no "(" before it`)
		} else {
			p.fail(it.pos, "expected an operator or end of query, found "+it.describe())
		}
		// Carry on with what follows, joined as it is written.
		switch p.peek().kind {
		case itemEOF:
		case itemOr:
			p.next()
			n = &orNode{[]node{n, p.parseOr()}}
		case itemAnd:
			p.next()
			n = &andNode{[]node{n, p.parseOr()}}
		default:
			n = &andNode{[]node{n, p.parseOr()}}
		}
	}
	p.problems = append(p.problems, finish(n)...)
	if len(p.problems) == 0 && !requires(n) {
		p.fail(0, "query has no positive term: it would match almost every article (add a word that must be present)")
	}
	if len(p.problems) > 0 {
		return nil, tidy(p.problems)
	}
	return n, nil
}

// tidy sorts problems by position, keeps the first at each position and
// at most maxProblems.
func tidy(ps []*QueryError) QueryErrors {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Offset < ps[j].Offset })
	var out QueryErrors
	for _, p := range ps {
		if len(out) > 0 && out[len(out)-1].Offset == p.Offset {
			continue
		}
		out = append(out, p)
	}
	return out[:min(len(out), maxProblems)]
}

func (p *parser) fail(pos int, msg string) {
	p.problems = append(p.problems, &QueryError{pos, msg})
}

// bad is the placeholder for a term that could not be parsed.
func bad(pos int) node { return &termNode{kind: termText, pos: pos, bad: true} }

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

func (p *parser) parseOr() node {
	first := p.parseAnd()
	kids := []node{first}
	for p.peek().kind == itemOr {
		p.next()
		kids = append(kids, p.parseAnd())
	}
	if len(kids) == 1 {
		return first
	}
	return &orNode{kids}
}

func (p *parser) parseAnd() node {
	first := p.parseNear()
	kids := []node{first}
	for {
		switch p.peek().kind {
		case itemAnd:
			p.next()
		case itemWord, itemPhrase, itemRegex, itemList, itemPrefix, itemLParen, itemNot, itemMinus:
			// adjacency means AND
		default:
			if len(kids) == 1 {
				return first
			}
			return &andNode{kids}
		}
		kids = append(kids, p.parseNear())
	}
}

func (p *parser) parseNear() node {
	left := p.parseUnary()
	for p.peek().kind == itemNear {
		op := p.next()
		p.spanOperand(left, op)
		right := p.parseUnary()
		p.spanOperand(right, op)
		left = &nearNode{left: left, right: right, n: op.n, ordered: op.ordered}
	}
	return left
}

// spanOperand checks that n can be an operand of NEAR: words, phrases,
// wildcards, lists, or OR groups of these.
func (p *parser) spanOperand(n node, op item) {
	switch n := n.(type) {
	case *termNode:
		if n.kind != termText && !n.bad {
			p.fail(n.pos, fmt.Sprintf("%s cannot be an operand of %s (use words, phrases, wildcards, lists or OR groups of these)", n.raw, op.text))
		}
	case *orNode:
		for _, k := range n.kids {
			p.spanOperand(k, op)
		}
	default:
		p.fail(op.pos, fmt.Sprintf("the operands of %s must be words, phrases, wildcards, lists or OR groups of these, not AND, NOT or NEAR expressions", op.text))
	}
}

func (p *parser) parseUnary() node {
	if k := p.peek().kind; k == itemNot || k == itemMinus {
		op := p.next()
		p.enter(op)
		defer p.leave()
		return &notNode{p.parseUnary()}
	}
	return p.parsePrimary()
}

func (p *parser) enter(at item) {
	p.depth++
	if p.depth > MaxDepth && !p.tooDeep {
		p.tooDeep = true
		p.fail(at.pos, fmt.Sprintf("query is nested more than %d levels deep", MaxDepth))
	}
}

func (p *parser) leave() { p.depth-- }

// parsePrimary parses a term or a group. Where none can start it reports
// the problem and leaves the item for the callers (an operator, ")" or the
// end), so parsing always moves on.
func (p *parser) parsePrimary() node {
	after := p.prev()
	switch it := p.peek(); it.kind {
	case itemLParen:
		p.next()
		p.enter(it)
		defer p.leave()
		if p.peek().kind == itemRParen {
			p.fail(p.peek().pos, `expected a word or "(" after "(", found ")"`)
			p.next()
			return bad(it.pos)
		}
		n := p.parseOr()
		if c := p.peek(); c.kind == itemRParen {
			p.next()
		} else {
			p.fail(c.pos, fmt.Sprintf(`expected ")" to close the "(" at column %d, found %s`, it.pos+1, c.describe()))
		}
		return n
	case itemWord:
		p.next()
		return p.wordTerm(it)
	case itemPhrase:
		p.next()
		return &termNode{kind: termText, raw: it.text, pos: it.pos, text: it.val}
	case itemRegex:
		p.next()
		return &termNode{kind: termRegex, raw: it.text, pos: it.pos, text: it.val}
	case itemList:
		p.next()
		return p.listNode(it)
	case itemPrefix:
		p.next()
		return p.prefixed(it)
	default:
		p.fail(it.pos, fmt.Sprintf(`expected a word or "(" after %s, found %s`, after, it.describe()))
		return bad(it.pos)
	}
}

func (p *parser) wordTerm(it item) node {
	w := it.val
	t := &termNode{kind: termText, raw: it.text, pos: it.pos, text: w}
	if rest, ok := strings.CutSuffix(w, "*"); ok {
		t.text, t.prefix = rest, true
	}
	if strings.Contains(t.text, "*") {
		p.fail(it.pos, fmt.Sprintf("%q: '*' is allowed only at the end of a word", w))
		t.bad = true
	}
	return t
}

func (p *parser) listNode(it item) node {
	entries, ok := p.lists[it.val]
	if !ok {
		p.fail(it.pos, fmt.Sprintf("unknown list @%s (define it under lists: in a lists file)", it.val))
		return bad(it.pos)
	}
	or := &orNode{}
	for _, e := range entries {
		t := &termNode{kind: termText, raw: it.text + ":" + e, pos: it.pos, text: e, list: it.text}
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
		p.fail(it.pos, fmt.Sprintf("list @%s is empty", it.val))
		return bad(it.pos)
	}
	return or
}

// prefixed parses the operand of a field or case: prefix and applies it to
// every term inside.
func (p *parser) prefixed(pre item) node {
	name := pre.val
	next := p.peek()
	switch name {
	case "site", "feed", "tag":
		if next.kind != itemWord && next.kind != itemPhrase {
			p.fail(next.pos, fmt.Sprintf("expected a word or phrase after %s, found %s", pre.text, next.describe()))
			return bad(pre.pos)
		}
		p.next()
		kind := map[string]termKind{"site": termSite, "feed": termFeed, "tag": termTag}[name]
		return &termNode{kind: kind, raw: pre.text + next.text, pos: pre.pos, text: next.val}
	}
	switch next.kind {
	case itemEOF, itemRParen, itemAnd, itemOr, itemNear:
		p.fail(next.pos, fmt.Sprintf(`expected a word, phrase, list or "(" after %s, found %s`, pre.text, next.describe()))
		return bad(pre.pos)
	}
	n := p.parsePrimary()
	walkTerms(n, func(t *termNode) {
		switch {
		case t.bad:
		case t.kind != termText && t.kind != termRegex:
			p.fail(t.pos, fmt.Sprintf("%s cannot be used inside %s", t.raw, pre.text))
		case name == "case":
			t.caseSens = true
		default:
			t.fields = []int{fieldIndex(name)}
		}
		t.raw = pre.text + t.raw
	})
	return n
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
// rules, regexes compiled. It returns every problem.
func finish(n node) []*QueryError {
	var problems []*QueryError
	fail := func(t *termNode, msg string) { problems = append(problems, &QueryError{t.pos, msg}) }
	walkTerms(n, func(t *termNode) {
		if t.bad {
			return
		}
		switch t.kind {
		case termRegex:
			src := t.text
			if !t.caseSens {
				src = "(?i)" + src
			}
			re, err := regexp.Compile(src)
			if err != nil {
				fail(t, fmt.Sprintf("bad regular expression %s: %v", t.raw, strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
				return
			}
			t.re = re
		case termText:
			toks := text.Tokenize(t.text)
			if len(toks) == 0 {
				fail(t, fmt.Sprintf("%s has no letters or digits to match", t.raw))
				return
			}
			for _, tk := range toks {
				if t.caseSens {
					t.words = append(t.words, tk.Cased)
				} else {
					t.words = append(t.words, tk.Norm)
				}
			}
			t.key = toks[0].Norm
			if t.prefix && len([]rune(t.words[len(t.words)-1])) < 3 {
				fail(t, fmt.Sprintf("%s: a wildcard needs at least 3 characters before '*'", t.raw))
			}
		case termSite:
			t.text = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(t.text, "www."), "."))
		case termFeed, termTag:
			t.text = strings.ToLower(t.text)
		}
	})
	return problems
}
