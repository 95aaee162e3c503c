package rules

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/article"
)

// The matcher indexes rules the way media-monitoring engines index stored
// queries (a "presearcher"): from each query it derives clauses of terms
// the article must contain for the query to have any chance, indexes the
// rule under its most selective clause, and for each article evaluates only
// the rules whose clause it hits. Queries with no such term (only regexes
// or NOT at the top) are always evaluated. The index only narrows the
// candidates; the evaluator decides, so results equal evaluating every rule.

type keyKind uint8

const (
	keyWord   keyKind = iota // a word (lower-cased, folded)
	keyPrefix                // the first 3 characters of a wildcard's prefix
	keySite                  // a host or a parent domain of it
	keyFeed                  // a feed name, lower-cased
	keyTag                   // a feed tag, lower-cased
)

type key struct {
	kind keyKind
	s    string
}

// clause is satisfied when the document has one of its keys.
type clause []key

// required returns the clauses every match of n satisfies, and false when
// n can match without any indexable term.
func required(n node) ([]clause, bool) {
	switch n := n.(type) {
	case *termNode:
		switch n.kind {
		case termText:
			if n.prefix && len(n.words) == 1 {
				return []clause{{{keyPrefix, head3(n.key)}}}, true
			}
			return []clause{{{keyWord, n.key}}}, true
		case termSite:
			return []clause{{{keySite, n.text}}}, true
		case termFeed:
			return []clause{{{keyFeed, n.text}}}, true
		case termTag:
			return []clause{{{keyTag, n.text}}}, true
		}
		return nil, false // a regex can match anything
	case *andNode:
		var all []clause
		for _, k := range n.kids {
			if cs, ok := required(k); ok {
				all = append(all, cs...)
			}
		}
		return all, len(all) > 0
	case *nearNode:
		l, lok := required(n.left)
		r, rok := required(n.right)
		all := append(l, r...)
		return all, lok || rok
	case *orNode:
		var merged clause
		for _, k := range n.kids {
			cs, ok := required(k)
			if !ok {
				return nil, false
			}
			merged = append(merged, best(cs)...)
		}
		return []clause{merged}, true
	}
	return nil, false // NOT
}

// best picks the clause most likely to be rare: the fewest keys, then the
// longest shortest word (long words are rarer than short ones).
func best(cs []clause) clause {
	score := func(c clause) (int, int) {
		shortest := 1 << 30
		for _, k := range c {
			l := len(k.s)
			if k.kind == keyPrefix {
				l = 1 // a 3-letter prefix is common
			}
			shortest = min(shortest, l)
		}
		return len(c), shortest
	}
	b := cs[0]
	bn, bl := score(b)
	for _, c := range cs[1:] {
		if n, l := score(c); n < bn || n == bn && l > bl {
			b, bn, bl = c, n, l
		}
	}
	return b
}

func head3(s string) string {
	i, n := 0, 0
	for i < len(s) && n < 3 {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
		n++
	}
	return s[:i]
}

// index is the presearcher of a rule set.
type index struct {
	byKey  map[key][]int32 // rule positions, ascending
	always []int32         // rules with no indexable term
	filter [][]clause      // per rule: every clause, checked before evaluating
}

func buildIndex(rs []*Rule) *index {
	ix := &index{byKey: map[key][]int32{}, filter: make([][]clause, len(rs))}
	for i, r := range rs {
		cs, ok := required(r.query)
		if !ok {
			ix.always = append(ix.always, int32(i))
			continue
		}
		ix.filter[i] = cs
		seen := map[key]bool{}
		for _, k := range best(cs) {
			if !seen[k] {
				seen[k] = true
				ix.byKey[k] = append(ix.byKey[k], int32(i))
			}
		}
	}
	return ix
}

// candidates returns the positions of the rules that may match d, in
// rule order.
func (ix *index) candidates(d *Document) []int32 {
	out := slices.Clone(ix.always)
	add := func(k key) { out = append(out, ix.byKey[k]...) }
	for w := range d.postings {
		add(key{keyWord, w})
		if utf8.RuneCountInString(w) >= 3 {
			add(key{keyPrefix, head3(w)})
		}
	}
	for h := d.host; h != ""; {
		add(key{keySite, h})
		_, rest, ok := strings.Cut(h, ".")
		if !ok {
			break
		}
		h = rest
	}
	if d.feed != "" {
		add(key{keyFeed, d.feed})
	}
	for _, t := range d.tags {
		add(key{keyTag, t})
	}
	slices.Sort(out)
	out = slices.Compact(out)
	// Keep only the rules whose every clause the document satisfies.
	kept := out[:0]
	for _, i := range out {
		if d.satisfies(ix.filter[i]) {
			kept = append(kept, i)
		}
	}
	return kept
}

func (d *Document) satisfies(cs []clause) bool {
	for _, c := range cs {
		if !slices.ContainsFunc(c, d.has) {
			return false
		}
	}
	return true
}

func (d *Document) has(k key) bool {
	switch k.kind {
	case keyWord:
		_, ok := d.postings[k.s]
		return ok
	case keyPrefix:
		return len(d.withPrefix(k.s)) > 0
	case keySite:
		return d.host == k.s || strings.HasSuffix(d.host, "."+k.s)
	case keyFeed:
		return d.feed == k.s
	case keyTag:
		return slices.Contains(d.tags, k.s)
	}
	return false
}

// MatchExhaustive evaluates every rule against a, without the index: the
// reference the indexed matcher must agree with, and the baseline it is
// measured against.
func (s *Set) MatchExhaustive(a *article.Article) []article.Match {
	d := NewDocument(a)
	var out []article.Match
	for _, r := range s.Rules {
		out = s.appendIfMatch(out, r, a, d)
	}
	return out
}

func (s *Set) appendIfMatch(out []article.Match, r *Rule, a *article.Article, d *Document) []article.Match {
	if !r.Enabled || !r.AppliesTo(a) {
		return out
	}
	if ok, ex := r.Explain(d); ok {
		out = append(out, article.Match{RuleID: r.ID, RuleName: r.Name, Channel: r.Channel, Mention: r.Mention, Digest: r.Digest != "", Explain: ex})
	}
	return out
}
