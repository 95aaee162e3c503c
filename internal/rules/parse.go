package rules

import (
	"fmt"
	"sort"
	"strings"
)

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
		return nil, QueryErrors{{Offset: MaxQueryLen, Msg: fmt.Sprintf("query is %d characters long; the limit is %d", len(q), MaxQueryLen)}}
	}
	if strings.TrimSpace(q) == "" {
		return nil, QueryErrors{{Offset: 0, Msg: "query is empty"}}
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
	p.problems = append(p.problems, &QueryError{Offset: pos, Msg: msg})
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
			p.problems[len(p.problems)-1].Opened = it.pos + 1
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
	case itemBad:
		p.next()
		return bad(it.pos)
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
