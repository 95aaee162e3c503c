package rules

import "strings"

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
	if d.postings == nil { // else fill emptied them
		d.postings, d.occurs, d.chains = make(map[string]int32, n/2), make([]posting, 0, n), make([]chain, 0, n/2)
	}
	for f := range d.toks {
		for i, tk := range d.toks[f] {
			at := int32(len(d.occurs))
			d.occurs = append(d.occurs, posting{uint8(f), int32(i), -1})
			if ci, ok := d.postings[tk.Norm]; ok { // a word seen before: one lookup, no store
				c := &d.chains[ci]
				d.occurs[c.tail].next = at
				c.tail = at
			} else {
				d.postings[tk.Norm] = int32(len(d.chains))
				d.chains = append(d.chains, chain{at, at})
				d.vocab = append(d.vocab, tk.Norm)
			}
		}
	}
}

// withPrefix returns the document's distinct words that start with p, in
// no order (find orders their occurrences), on a buffer the next call
// reuses. It reads every word: the index lets through only the wildcard
// rules whose prefix the article has, so an article tests a few
// wildcards, where sorting its words for a binary search had cost more
// than all of them.
func (d *Document) withPrefix(p string) []string {
	d.index()
	out := d.words[:0]
	for _, w := range d.vocab {
		if strings.HasPrefix(w, p) {
			out = append(out, w)
		}
	}
	d.words = out
	return out
}
