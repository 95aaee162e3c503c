package rules

import (
	"hash/maphash"
	"iter"
	"math/bits"
	"math/rand/v2"
)

// wordKeys finds the keys an article's word marks: the rule word it is,
// and the wildcards' prefixes it starts with. The word is hashed whole
// and looked up among the rule words; when its first two bytes begin a
// prefix, it is hashed again byte by byte and each of its beginnings
// looked up among the prefixes as the hash goes, until one begins no
// prefix (a set of bits, 64 KB, answers that) — unless it is a rule word
// read as a distinct word, whose prefixes are recorded (wordRecords).
// Both tables are arrays
// of 8-byte slots (a hash's lower half, a key number), at most a third
// full, so that a word in no rule, as most are, costs a read or two. At
// 100,000 rules (40,000 words, 13,000 prefixes) they take 1 MB and 512
// KB. A map of the words' hashes, a map of the prefixes' first three
// characters and binary searches among the prefixes had cost a third of
// matching an article at 100,000 rules and 60 % at 1,000: 1,000 rules
// 44.8 → 32.8 µs an article, 100,000 rules 251 → 217 µs.
//
// A lookup only narrows, as the rest of the index: a word whose hash
// matches a rule word's marks that word's key, and the evaluation then
// refuses the rule. Two rule words of one hash are both kept, one after
// the other, and both marked: no rule word can be missed.
type wordKeys struct {
	fnvSeed  uint64              // the prefixes'
	weak     func(string) uint64 // tests: a hash many words share, for every beginning and word
	words    hashTable
	prefixes hashTable
	pairs    [1 << 10]uint64 // the first two bytes of some prefix, a bit each: a word starting otherwise has none
	begins   []uint64        // 2^19 bits, set by the hash of each beginning of each prefix (addPrefix)
	wholes   []uint64        // 2^19 bits, set by the hash of each prefix, other bits of it (whole)
	adding   [2][]pending    // by keyClass, until seal
	records  wordRecords     // each rule word's bytes and the prefixes it starts with
}

// pending is a key to place: its word's or prefix's hash, its number, and
// the word or prefix.
type pending struct {
	h uint64
	n int32
	s string
}

// fnvPrime is FNV-1a's 64-bit prime: the prefixes' byte-by-byte hash,
// started from a random seed. The last byte reaches the upper bits only
// through carries (the prime is 2^40 + 435), so beginnings that differ
// in it ("kara", "kari", "karo") would fall in one run of the table, which
// places a key by the upper bits: at 100,000 rules a look-up went past
// 5.3 taken slots. Multiplied by spread (2^64 over the golden ratio, odd)
// every bit reaches the upper ones: 0.6 taken slots a look-up, and the
// set of beginnings (begun) lets fewer beginnings on (943 look-ups an
// article instead of 1,035; at 1,000 rules 177 instead of 427).
const (
	fnvPrime = 0x100000001b3
	spread   = 0x9e3779b97f4a7c15
)

func newWordKeys(weak func(string) uint64) *wordKeys {
	return &wordKeys{fnvSeed: rand.Uint64(), weak: weak}
}

// keyClass is which table a key goes in: its hash differs.
type keyClass int

const (
	asWord   keyClass = iota // hashed whole, as documents hash their words
	asPrefix                 // hashed byte by byte, so that each beginning of a word has its hash on the way
)

// hash is what marks computes for s, whole, as a key of class c.
func (k *wordKeys) hash(c keyClass, s string) uint64 {
	switch {
	case k.weak != nil:
		return k.weak(s)
	case c == asWord:
		return maphash.String(wordSeed, s) // as a document hashes its words (Document.index)
	}
	h := k.fnvSeed
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h * spread
}

// addWord adds a rule word's key; addPrefix a wildcard's prefix (of at
// least 3 bytes). seal must be called after the last.
func (k *wordKeys) addWord(s string, n int32) { k.add(asWord, s, n) }

func (k *wordKeys) addPrefix(s string, n int32) {
	k.add(asPrefix, s, n)
	k.pairs[pair(s)>>6] |= 1 << (pair(s) & 63)
	if k.begins == nil {
		k.begins, k.wholes = make([]uint64, 1<<19/64), make([]uint64, 1<<19/64)
	}
	w := wholeBit(k.hash(asPrefix, s))
	k.wholes[w>>6] |= 1 << (w & 63)
	for i := 3; i <= len(s); i++ {
		b := k.hash(asPrefix, s[:i]) >> (64 - 19)
		k.begins[b>>6] |= 1 << (b & 63)
	}
}

// begun reports whether h may be the hash of some prefix's beginning:
// when it is not, no prefix starts with the word's beginning, nor with
// any longer one, and the word's walk stops. Most words stop after a
// byte or two, where they had looked each of their beginnings up in the
// prefixes' table (1,000 rules 34.2 → 28.7 µs an article, 100,000 rules
// 199 → 185 µs, best of 10 interleaved).
func (k *wordKeys) begun(h uint64) bool {
	b := h >> (64 - 19)
	return k.begins[b>>6]&(1<<(b&63)) != 0
}

// whole reports whether h may be the hash of a prefix itself: a word's
// beginning that is none is not looked up in the prefixes' table. At
// 100,000 rules an article's words have some 940 beginnings that begin a
// prefix, and 254 that are one.
func (k *wordKeys) whole(h uint64) bool {
	b := wholeBit(h)
	return k.wholes[b>>6]&(1<<(b&63)) != 0
}

// wholeBit is whole's bit for h: 19 bits below those begun and the
// table's places take.
func wholeBit(h uint64) uint64 { return h >> 20 & (1<<19 - 1) }

func (k *wordKeys) add(c keyClass, s string, n int32) {
	k.adding[c] = append(k.adding[c], pending{k.hash(c, s), n, s})
}

// seal builds the tables.
func (k *wordKeys) seal() {
	k.words, k.prefixes = newHashTable(k.adding[asWord]), newHashTable(k.adding[asPrefix])
	k.records = newWordRecords(k.adding[asWord], k.adding[asPrefix])
	k.adding = [2][]pending{}
}

// marks calls mark with the key number of the rule word w is, and of
// every prefix it starts with (and, rarely, of a word or a prefix that
// only shares a hash with it). It is how an index of fewer than largeSet
// rules reads an article's words, as often as each occurs: most are in
// no rule, so their prefixes are walked (walkPrefixes).
func (k *wordKeys) marks(w string, mark func(int32)) {
	h := k.hash(asWord, w)
	k.words.find(h, mark)
	k.walkPrefixes(w, mark)
}

// marksHashed is marks for a distinct word of an article whose hash
// (maphash.String(wordSeed, w)) is known, as a larger index reads them:
// nearly every word is a rule word, and a rule word's prefixes come from
// its record (wordRecords).
func (k *wordKeys) marksHashed(w string, h uint64, mark func(int32)) {
	if k.weak != nil {
		h = k.weak(w)
	}
	known := false // w is a rule word, whose prefixes are recorded
	for n := range k.words.keys(h) {
		mark(n)
		if !known {
			known = k.records.marks(n, w, mark)
		}
	}
	if !known {
		k.walkPrefixes(w, mark)
	}
}

// walkPrefixes calls mark with the key number of every prefix w starts
// with (and, rarely, of one that only shares a hash with a beginning of
// w), hashing its beginnings byte by byte and looking each up.
func (k *wordKeys) walkPrefixes(w string, mark func(int32)) {
	if len(w) < 3 || len(k.prefixes.slots) == 0 || k.pairs[pair(w)>>6]&(1<<(pair(w)&63)) == 0 {
		return // most words of an article, when the rules have few wildcards
	}
	h := k.fnvSeed
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
		if i < 2 { // a prefix has 3 characters, 3 bytes at least
			continue
		}
		m := h * spread // hash(asPrefix, w[:i+1])
		if k.weak != nil {
			m = k.weak(w[:i+1])
		}
		if !k.begun(m) {
			return
		}
		if k.whole(m) {
			k.prefixes.find(m, mark)
		}
	}
}

// hashTable is an open-addressed table of key numbers by hash, probed
// linearly: the hash's upper bits choose where a key's run starts, its
// lower half is kept in the slot (never 0 when taken).
type hashTable struct {
	slots []hashSlot
	mask  uint64
	shift uint // 64 less the bits of a place
}

type hashSlot struct {
	tag uint32
	n   int32
}

// newHashTable places each key under its hash, at most a third full:
// most words of an article are in no rule, and a word not in the table
// is told so at the first or second slot.
func newHashTable(keys []pending) hashTable {
	if len(keys) == 0 {
		return hashTable{}
	}
	b := uint(bits.Len64(uint64(len(keys) * 3)))
	t := hashTable{slots: make([]hashSlot, 1<<b), mask: 1<<b - 1, shift: 64 - b}
	for _, s := range keys {
		j := s.h >> t.shift
		for t.slots[j].tag != 0 {
			j = (j + 1) & t.mask
		}
		t.slots[j] = hashSlot{tag: uint32(s.h) | 1, n: s.n}
	}
	return t
}

// touch reads the slot where each of hs would start, before they are
// looked up one by one, as index.touch reads lists: the reads are under
// way together. An article's distinct words at 100,000 rules (326, in a
// table of 1 MB): marking them took 38.5–43.2 µs, 34.3–36.4 after this
// (as index.touch). It returns a sum of what it read.
func (t *hashTable) touch(hs []uint64) uint32 {
	if len(t.slots) == 0 {
		return 0
	}
	var sum uint32
	for _, h := range hs {
		sum += t.slots[h>>t.shift].tag
	}
	return sum
}

// find calls mark with every key number stored under h.
func (t *hashTable) find(h uint64, mark func(int32)) {
	for n := range t.keys(h) {
		mark(n)
	}
}

// keys yields every key number stored under h.
func (t *hashTable) keys(h uint64) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		if len(t.slots) == 0 {
			return
		}
		tag := uint32(h) | 1
		for j := h >> t.shift; t.slots[j].tag != 0; j = (j + 1) & t.mask {
			if t.slots[j].tag == tag && !yield(t.slots[j].n) {
				return
			}
		}
	}
}

// pair is the first two bytes of s (at least 2 long).
func pair(s string) uint16 { return uint16(s[0])<<8 | uint16(s[1]) }
