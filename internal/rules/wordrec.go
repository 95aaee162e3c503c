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
	b := r.bytes[r.at[n]:]
	if int(b[0]) != len(w) || string(b[1:1+len(w)]) != w {
		return false
	}
	b = b[1+len(w):]
	for i := range int(b[0]) {
		mark(int32(binary.LittleEndian.Uint32(b[1+4*i:])))
	}
	return true
}
