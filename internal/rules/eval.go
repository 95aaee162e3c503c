package rules

import (
	"slices"
	"sort"
)

// occ is one occurrence of a term: n words from word pos in field, or a
// byte range for regexes and whole-field terms.
type occ struct {
	term       *termNode
	field      int
	pos, n     int // pos is -1 when the occurrence has no word position
	start, end int
}

// eval reports whether n matches d and the occurrences that made it match,
// in a slice of their own.
func eval(n node, d *Document) (bool, []occ) {
	from := len(d.found)
	ok := d.evalInto(n)
	occs := slices.Clone(d.found[from:])
	d.drop(from)
	return ok, occs
}

// evalInto is eval on the document's buffer of occurrences: it appends to
// d.found the occurrences that made n match and reports whether it does;
// when n does not match, d.found is as it was. A term's occurrences are
// collected where its AND, OR and NEAR keep them, not in a slice of its
// own copied into theirs: an article that matches 7 rules at 100,000 had
// made 55 slices evaluating them.
func (d *Document) evalInto(n node) bool {
	from := len(d.found)
	switch n := n.(type) {
	case *termNode:
		d.found = n.appendFind(d, d.found)
		return len(d.found) > from
	case *andNode:
		for _, k := range n.kids {
			if !d.evalInto(k) {
				d.drop(from)
				return false
			}
		}
		return true
	case *orNode:
		matched := false
		for _, k := range n.kids {
			if d.evalInto(k) { // every kid: each one's occurrences are kept
				matched = true
			}
		}
		return matched
	case *notNode:
		ok := d.evalInto(n.kid)
		d.drop(from)
		return !ok
	case *nearNode:
		return d.evalNearInto(n)
	}
	return false
}

// drop forgets d.found from i on. What it held is cleared: a pooled
// document keeps no rule's terms alive.
func (d *Document) drop(i int) {
	clear(d.found[i:])
	d.found = d.found[:i]
}

// evalNearInto keeps the occurrences of each side that have a partner on
// the other side in the same field within n words: at most n words stand
// between the end of the first and the start of the second (adjacent words
// have 0 between them). Each side's word positions are sorted once and
// each occurrence looks its partners up by binary search, so the work
// grows with the occurrences, not with their product. The right side's
// occurrences kept come first, then the left's.
func (d *Document) evalNearInto(n *nearNode) bool {
	from := len(d.found)
	if !d.evalInto(n.left) {
		return false
	}
	mid := len(d.found)
	if !d.evalInto(n.right) {
		d.drop(from)
		return false
	}
	end := len(d.found)
	// Both sides' spans are made after both are evaluated, so a NEAR
	// within a side is done with the document's two.
	l, r := &d.near[0], &d.near[1]
	l.reset(d.found[from:mid])
	r.reset(d.found[mid:end])
	for i := mid; i < end; i++ { // kept after both sides, then moved down
		// b follows a within n words, or (unordered) precedes it.
		if b := d.found[i]; b.pos >= 0 && (l.endIn(b.field, b.pos-n.n, b.pos) || !n.ordered && l.startIn(b.field, b.pos+b.n, b.pos+b.n+n.n)) {
			d.found = append(d.found, b)
		}
	}
	for i := from; i < mid; i++ {
		if a := d.found[i]; a.pos >= 0 && (r.startIn(a.field, a.pos+a.n, a.pos+a.n+n.n) || !n.ordered && r.endIn(a.field, a.pos-n.n, a.pos)) {
			d.found = append(d.found, a)
		}
	}
	kept := copy(d.found[from:], d.found[end:])
	d.drop(from + kept)
	return kept > 0
}

// spans are the word positions where occurrences start and end, per field,
// sorted, for range queries. By field in arrays, not maps: every NEAR a
// candidate rule holds makes two (at 100,000 rules an article tests 2.2
// NEAR rules that do not match). A document keeps two (Document.near),
// their slices reused.
type spans struct {
	starts, ends [numFields][]int
}

// reset makes s the spans of occs.
func (s *spans) reset(occs []occ) {
	for f := range s.starts {
		s.starts[f], s.ends[f] = s.starts[f][:0], s.ends[f][:0]
	}
	for _, o := range occs {
		if o.pos >= 0 {
			s.starts[o.field] = append(s.starts[o.field], o.pos)
			s.ends[o.field] = append(s.ends[o.field], o.pos+o.n)
		}
	}
	for f := range s.starts {
		slices.Sort(s.starts[f])
		slices.Sort(s.ends[f])
	}
}

// startIn reports whether an occurrence in field f starts within [lo, hi].
func (s *spans) startIn(f, lo, hi int) bool { return anyIn(s.starts[f], lo, hi) }

// endIn reports whether an occurrence in field f ends within [lo, hi].
func (s *spans) endIn(f, lo, hi int) bool { return anyIn(s.ends[f], lo, hi) }

func anyIn(sorted []int, lo, hi int) bool {
	i := sort.SearchInts(sorted, lo)
	return i < len(sorted) && sorted[i] <= hi
}
