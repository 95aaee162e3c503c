package rules

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// prefixIndex finds the wildcards' prefixes a document's word starts
// with. The prefixes are sorted; those sharing their first 3 characters
// form a range, found by a map lookup, which the word then narrows one
// byte at a time, as a walk down a trie would: the prefixes of the word
// are met in order of length, each first in the range still open. A
// word costs one lookup and a few binary searches over a range however
// many wildcards the rules hold (13,000 prefixes at 100,000 rules, up
// to 506 sharing their first 3 characters).
//
// The index once marked the first 3 characters alone, and at 100,000
// rules nearly every wildcard rule came through to be tested (99 an
// article, 3 matching); a list of the prefixes under their first 3
// characters, each tried on the word, took longer than the tests.
type prefixIndex struct {
	heads map[string]prefixRange
	keys  []prefixKey    // by prefix
	pairs *[1 << 16]bool // the first two bytes of some prefix: a word starting otherwise has none
}

// prefixKey is a wildcard's prefix and its key number.
type prefixKey struct {
	s string
	n int32
}

type prefixRange struct{ lo, hi int32 }

// add adds a prefix (of at least 3 characters) with its key number; seal
// must be called after the last.
func (p *prefixIndex) add(s string, n int32) {
	p.keys = append(p.keys, prefixKey{s, n})
}

// seal sorts the prefixes, keeps them side by side in one string (a
// binary search reads one byte of each, so they had better be near each
// other) and finds the range of each first 3 characters.
func (p *prefixIndex) seal() {
	slices.SortFunc(p.keys, func(a, b prefixKey) int { return strings.Compare(a.s, b.s) })
	var all strings.Builder
	for _, k := range p.keys {
		all.WriteString(k.s)
	}
	packed, at := all.String(), 0
	for i := range p.keys {
		n := len(p.keys[i].s)
		p.keys[i].s = packed[at : at+n]
		at += n
	}
	p.heads = map[string]prefixRange{}
	p.pairs = new([1 << 16]bool)
	for i := 0; i < len(p.keys); {
		h := head3(p.keys[i].s)
		j := i + 1
		for j < len(p.keys) && strings.HasPrefix(p.keys[j].s, h) {
			j++
		}
		p.heads[h] = prefixRange{int32(i), int32(j)}
		p.pairs[pair(h)] = true
		i = j
	}
}

// marks calls mark with the key number of every prefix w starts with.
func (p *prefixIndex) marks(w string, mark func(int32)) {
	if len(p.keys) == 0 || len(w) < 3 || !p.pairs[pair(w)] || utf8.RuneCountInString(w) < 3 {
		return // most words of an article, when the rules have few wildcards: one read
	}
	h := head3(w)
	r, ok := p.heads[h]
	if !ok {
		return
	}
	keys := p.keys[r.lo:r.hi] // every one starts with w[:n]
	for n := len(h); len(keys) > 0; n++ {
		if len(keys[0].s) == n { // w[:n] itself: the shortest sorts first
			mark(keys[0].n)
			keys = keys[1:]
		}
		if n == len(w) {
			return
		}
		c := w[n]
		lo := byteSearch(keys, n, c)             // the first whose byte n is c or more
		hi := lo + byteSearch(keys[lo:], n, c+1) // … more than c
		if c == 0xff {
			hi = len(keys)
		}
		keys = keys[lo:hi]
	}
}

// byteSearch returns the first of keys (sorted, each longer than n bytes)
// whose byte n is c or more.
func byteSearch(keys []prefixKey, n int, c byte) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m].s[n] < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// pair is the first two bytes of s (at least 2 long).
func pair(s string) uint16 { return uint16(s[0])<<8 | uint16(s[1]) }
