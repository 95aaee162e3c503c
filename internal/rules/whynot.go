package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// WhyNot says which required parts of the rule's query are absent from d
// (empty when it matches): what a rule editor needs to see for a miss.
func (r *Rule) WhyNot(d *Document) string {
	if ok, _ := eval(r.query, d); ok {
		return ""
	}
	return whyNot(r.query, d)
}

func whyNot(n node, d *Document) string {
	switch n := n.(type) {
	case *termNode:
		return render(n) + " does not appear"
	case *andNode:
		var parts []string
		for _, k := range n.kids {
			if ok, _ := eval(k, d); !ok {
				parts = append(parts, whyNot(k, d))
			}
		}
		return strings.Join(parts, "; ")
	case *orNode:
		if t, ok := n.kids[0].(*termNode); ok && t.list != "" && isList(n) {
			return "no entry of " + t.list + " appears"
		}
		return "none of " + render(n) + " appears"
	case *notNode:
		_, occs := eval(n.kid, d)
		found := render(n.kid)
		if len(occs) > 0 && occs[0].field >= 0 {
			found = fmt.Sprintf("%s (in the %s)", found, fieldNames[occs[0].field])
		}
		return "excluded " + found + " appears"
	case *nearNode:
		lok, _ := eval(n.left, d)
		rok, _ := eval(n.right, d)
		switch {
		case !lok && !rok:
			return whyNot(n.left, d) + "; " + whyNot(n.right, d)
		case !lok:
			return whyNot(n.left, d)
		case !rok:
			return whyNot(n.right, d)
		}
		op, order := "NEAR", "of each other"
		if n.ordered {
			op, order = "ONEAR", "after it"
		}
		return fmt.Sprintf("%s and %s both appear, but not within %d words %s in one field (%s/%d)", render(n.left), render(n.right), n.n, order, op, n.n)
	}
	return "the query does not match"
}

// isList reports whether every kid of n is an entry of the same list.
func isList(n *orNode) bool {
	first, _ := n.kids[0].(*termNode)
	for _, k := range n.kids {
		t, ok := k.(*termNode)
		if !ok || t.list == "" || t.list != first.list {
			return false
		}
	}
	return true
}

// render writes n back as query text, lists by name, cut to a readable
// length.
func render(n node) string {
	s := renderFull(n)
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:119]) + "…"
	}
	return s
}

func renderFull(n node) string {
	join := func(kids []node, op string) string {
		parts := make([]string, len(kids))
		for i, k := range kids {
			parts[i] = renderFull(k)
		}
		return "(" + strings.Join(parts, " "+op+" ") + ")"
	}
	switch n := n.(type) {
	case *termNode:
		return n.raw
	case *orNode:
		if t, ok := n.kids[0].(*termNode); ok && t.list != "" && isList(n) {
			return t.list
		}
		return join(n.kids, "OR")
	case *andNode:
		return join(n.kids, "AND")
	case *notNode:
		return "NOT " + renderFull(n.kid)
	case *nearNode:
		op := "NEAR"
		if n.ordered {
			op = "ONEAR"
		}
		return fmt.Sprintf("%s %s/%d %s", renderFull(n.left), op, n.n, renderFull(n.right))
	}
	return "?"
}
