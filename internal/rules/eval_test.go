package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
)

// evalInSlices is how queries were evaluated before a document kept one
// buffer of occurrences: each term's in a slice of its own, each AND, OR
// and NEAR copying its kids' into a new one. The reference the buffer's
// evaluation must agree with, occurrence for occurrence, in order.
func evalInSlices(n node, d *Document) (bool, []occ) {
	switch n := n.(type) {
	case *termNode:
		occs := n.appendFind(d, nil)
		return len(occs) > 0, occs
	case *andNode:
		var all []occ
		for _, k := range n.kids {
			ok, occs := evalInSlices(k, d)
			if !ok {
				return false, nil
			}
			all = append(all, occs...)
		}
		return true, all
	case *orNode:
		var all []occ
		matched := false
		for _, k := range n.kids {
			if ok, occs := evalInSlices(k, d); ok {
				matched = true
				all = append(all, occs...)
			}
		}
		return matched, all
	case *notNode:
		ok, _ := evalInSlices(n.kid, d)
		return !ok, nil
	case *nearNode:
		_, left := evalInSlices(n.left, d)
		_, right := evalInSlices(n.right, d)
		var out []occ
		within := func(a, b occ) bool { // b's start is at most n words after a's end
			return a.field == b.field && b.pos >= a.pos+a.n && b.pos-(a.pos+a.n) <= n.n
		}
		for _, b := range right {
			if b.pos >= 0 && slices.ContainsFunc(left, func(a occ) bool { return a.pos >= 0 && (within(a, b) || !n.ordered && within(b, a)) }) {
				out = append(out, b)
			}
		}
		for _, a := range left {
			if a.pos >= 0 && slices.ContainsFunc(right, func(b occ) bool { return b.pos >= 0 && (within(a, b) || !n.ordered && within(b, a)) }) {
				out = append(out, a)
			}
		}
		return len(out) > 0, out
	}
	return false, nil
}

// TestEvaluatingInOneBufferKeepsEveryOccurrence: on generated queries of
// the whole language and generated articles, evaluation in the document's
// buffer finds what evaluating in slices of their own finds, in the same
// order (explanations list hits in it), and nothing is left in the
// buffer, which a pooled document would keep alive.
func TestEvaluatingInOneBufferKeepsEveryOccurrence(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	matched := 0
	for range 3000 {
		q := genQuery(r, r.IntN(4))
		n, err := parseQuery(q, genLists)
		if err != nil {
			continue
		}
		d := NewDocument(genArticle(r))
		wantOK, want := evalInSlices(n, d)
		gotOK, got := eval(n, d)
		if gotOK != wantOK || !slices.Equal(got, want) {
			t.Fatalf("%s:\n got %v %v\nwant %v %v", q, gotOK, got, wantOK, want)
		}
		if len(d.found) != 0 || slices.ContainsFunc(d.found[:cap(d.found)], func(o occ) bool { return o.term != nil }) {
			t.Fatalf("%s: the document's buffer keeps %d occurrences, some of a term", q, len(d.found))
		}
		if wantOK {
			matched++
		}
	}
	if matched < 300 {
		t.Fatalf("only %d of the generated queries matched: the comparison says little", matched)
	}
}

// TestADocumentKeepsNothingOfTheRulesItMatched: a document goes back to
// the pool after each article; its buffers must not keep a rule set alive
// (one reloaded away, say) until the document's next article.
func TestADocumentKeepsNothingOfTheRulesItMatched(t *testing.T) {
	s := &Set{}
	for i, q := range []string{`coalition AND (raid OR strike)`, `anbar NEAR/5 raid`, `coal* -football`, `title:raid`} {
		r, err := s.QueryRule(q)
		if err != nil {
			t.Fatal(err)
		}
		r.ID, r.Enabled = fmt.Sprint("r", i), true
		s.Rules = append(s.Rules, r)
	}
	a := &article.Article{Title: "Coalition raid in Anbar", Content: "The coalition said the raid in Anbar hit a depot. A strike followed."}
	d := NewDocument(a)
	if got := s.match(a, d); len(got) != len(s.Rules) {
		t.Fatalf("%d of %d rules match: the check below says little", len(got), len(s.Rules))
	}
	held := 0
	for _, o := range d.found[:cap(d.found)] {
		held += btoi(o.term != nil)
	}
	for _, occs := range d.byField {
		for _, o := range occs[:cap(occs)] {
			held += btoi(o.term != nil)
		}
	}
	for _, n := range d.nodes[:cap(d.nodes)] {
		held += btoi(n != nil)
	}
	for _, m := range d.matches[:cap(d.matches)] {
		held += btoi(m.RuleID != "" || m.Explain.Hits != nil)
	}
	if held > 0 {
		t.Fatalf("the document keeps %d occurrences, nodes or matches of the rules", held)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
