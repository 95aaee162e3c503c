package rules

import "encoding/binary"

// wordRecords keeps, for each rule word, its bytes and the key numbers of
// the wildcards' prefixes it starts with, found once when the index is
// built. An article's word that is a rule word — nearly every word of an
// article at 100,000 rules, where the rule words are most of the
// language — marks its prefixes from its record, after comparing its
// bytes with the record's (a hash alone could be another word's), instead
// of hashing each of its beginnings and looking it up among the prefixes:
// that walk had been two thirds of marking an article's keys at 100,000
// rules (16 of 24 µs). Other words still walk.
//
// A record is the word's length, its bytes, the number of its prefixes,
// and their key numbers (4 bytes each, little-endian), in one byte slice
// all records share; at is where each word key's record starts (0: none,
// for a word over 255 bytes or with over 255 prefixes).
type wordRecords struct {
	bytes []byte
	at    []int32 // by key number
}

func newWordRecords(words, prefixes []pending) wordRecords {
	if len(prefixes) == 0 {
		return wordRecords{} // no wildcard: the walk is never begun
	}
	byPrefix := make(map[string]int32, len(prefixes))
	for _, p := range prefixes {
		byPrefix[p.s] = p.n
	}
	r := wordRecords{bytes: []byte{0}} // no record starts at 0
	for _, w := range words {
		var pre []int32
		for i := 3; i <= len(w.s); i++ { // a prefix has 3 bytes at least
			if n, ok := byPrefix[w.s[:i]]; ok {
				pre = append(pre, n)
			}
		}
		if len(w.s) > 255 || len(pre) > 255 {
			continue
		}
		if int(w.n) >= len(r.at) {
			r.at = append(r.at, make([]int32, int(w.n)+1-len(r.at))...)
		}
		r.at[w.n] = int32(len(r.bytes))
		r.bytes = append(append(r.bytes, byte(len(w.s))), w.s...)
		r.bytes = append(r.bytes, byte(len(pre)))
		for _, n := range pre {
			r.bytes = binary.LittleEndian.AppendUint32(r.bytes, uint32(n))
		}
	}
	return r
}

// marks reports whether word key n's record is w's, and if so calls mark
// with each prefix it starts with.
func (r *wordRecords) marks(n int32, w string, mark func(int32)) bool {
	if int(n) >= len(r.at) || r.at[n] == 0 {
		return false
	}
	return r.marksAt(r.at[n], w, mark)
}

// marksAt is marks for the record that starts at off.
func (r *wordRecords) marksAt(off int32, w string, mark func(int32)) bool {
	b := r.bytes[off:]
	if int(b[0]) != len(w) || string(b[1:1+len(w)]) != w {
		return false
	}
	b = b[1+len(w):]
	for i := range int(b[0]) {
		mark(int32(binary.LittleEndian.Uint32(b[1+4*i:])))
	}
	return true
}

// marksVocab is marksHashed for each of an article's distinct words and
// their hashes, in passes, so that the reads each word needs from memory
// are under way together instead of one after another: the words' first
// keys (their slots were read ahead, hashTable.touch), then where their
// records start, then the records' first bytes, then each record compared
// and its prefixes marked. One word after another, the record's place and
// its bytes had each been waited for (at 100,000 rules a third of marking
// an article's keys). A word whose first key has no record, or another
// word's, goes the way marksHashed goes. at is a buffer, returned for
// the next call; touched is a sum of what was read ahead.
func (k *wordKeys) marksVocab(vocab []string, hashes []uint64, mark func(int32), at []int32) (_ []int32, touched uint32) {
	r := &k.records
	if k.weak != nil || len(r.at) == 0 {
		for i, w := range vocab {
			k.marksHashed(w, hashes[i], mark)
		}
		return at, 0
	}
	at = at[:0]
	for _, h := range hashes {
		first := int32(-1)
		for n := range k.words.keys(h) {
			mark(n)
			if first < 0 {
				first = n
			}
		}
		at = append(at, first)
	}
	for i, n := range at { // where each record starts: 0 for none
		if n >= 0 && int(n) < len(r.at) {
			at[i] = r.at[n]
		} else {
			at[i] = 0
		}
	}
	for _, off := range at {
		touched += uint32(r.bytes[off])
	}
	for i, off := range at {
		if off == 0 || !r.marksAt(off, vocab[i], mark) {
			k.marksHashed(vocab[i], hashes[i], mark)
		}
	}
	return at, touched
}
