package rules

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
)

// wordSeed hashes words for documents' tables and for the rule index's
// table of words alike: an article's distinct word is hashed once, when
// the article is indexed, and looked up among the rules' words by that
// hash.
var wordSeed = maphash.MakeSeed()

// index indexes the document's words — where each occurs, and which
// are distinct — when a rule is first evaluated on it, not when it is
// made: the index selects candidates from the tokens alone, and with a
// hundred rules most articles have none (indexing them had been a third
// of matching).
func (d *Document) index() {
	if d.indexed {
		return
	}
	d.indexed = true
	n := d.tokens
	d.table.reset(n)
	if d.occurs == nil {
		d.occurs, d.chains = make([]posting, 0, n), make([]chain, 0, n/2)
	}
	for f := range d.toks {
		for i, tk := range d.toks[f] {
			at := int32(len(d.occurs))
			d.occurs = append(d.occurs, posting{uint8(f), int32(i), -1})
			h := maphash.String(wordSeed, tk.Norm)
			if ci, free := d.table.find(h, tk.Norm, d.vocab); ci >= 0 { // a word seen before
				c := &d.chains[ci]
				d.occurs[c.tail].next = at
				c.tail = at
			} else {
				d.table.slots[free] = hashSlot{tag: uint32(h) | 1, n: int32(len(d.chains))}
				d.chains = append(d.chains, chain{at, at})
				d.vocab = append(d.vocab, tk.Norm)
				d.hashes = append(d.hashes, h)
			}
		}
	}
}

// wordTable is a document's distinct words by hash, open-addressed as
// the rule index's tables (hashTable), at most half full: a slot holds
// the hash's lower half and the word's number in the document's vocab,
// which decides between two words of one hash. In a map of strings,
// indexing an article had been 15 µs of the 65 it cost against 10,000
// rules; with the table, and each word hashed once for it and for the
// rule index, an article costs 58.6 µs there, and 174 instead of 201
// against 100,000 rules (best of 10 interleaved).
type wordTable struct {
	slots []hashSlot
	shift uint // 64 less the bits of a place
}

// reset empties t for up to n words.
func (t *wordTable) reset(n int) {
	b := uint(bits.Len(uint(n*2) | 7))
	if cap(t.slots) >= 1<<b {
		t.slots = t.slots[:1<<b]
		clear(t.slots)
	} else {
		t.slots = make([]hashSlot, 1<<b)
	}
	t.shift = 64 - b
}

// find returns word's number in vocab, or -1 and the free slot where it
// goes.
func (t *wordTable) find(h uint64, word string, vocab []string) (int32, uint64) {
	tag, mask := uint32(h)|1, uint64(len(t.slots)-1)
	j := h >> t.shift
	for ; t.slots[j].tag != 0; j = (j + 1) & mask {
		if s := t.slots[j]; s.tag == tag && vocab[s.n] == word {
			return s.n, j
		}
	}
	return -1, j
}

// withPrefix returns the document's distinct words that start with p, in
// no order (find orders their occurrences), on a buffer the next call
// reuses. It reads the words that start with p's first byte: the first
// call groups them by it (group). Sorting the words for a binary search
// had cost more than all of an article's wildcards; reading every word
// for each was 4 % of an article at 100,000 rules, where an article tests
// and explains a dozen.
func (d *Document) withPrefix(p string) []string {
	d.index()
	words := d.vocab
	if p != "" {
		if !d.grouped {
			d.group()
		}
		words = d.vocabAt[d.firsts[p[0]]:d.firsts[int(p[0])+1]]
	}
	out := d.words[:0]
	for _, w := range words {
		if strings.HasPrefix(w, p) {
			out = append(out, w)
		}
	}
	d.words = out
	return out
}

// group sorts the distinct words by their first byte (vocabAt), a run for
// each byte from firsts[b] to firsts[b+1].
func (d *Document) group() {
	clear(d.firsts[:])
	for _, w := range d.vocab { // a word has a byte at least
		d.firsts[int(w[0])+1]++
	}
	for b := 1; b < len(d.firsts); b++ {
		d.firsts[b] += d.firsts[b-1]
	}
	next := d.firsts
	d.vocabAt = slices.Grow(d.vocabAt[:0], len(d.vocab))[:len(d.vocab)]
	for _, w := range d.vocab {
		d.vocabAt[next[w[0]]] = w
		next[w[0]]++
	}
	d.grouped = true
}
