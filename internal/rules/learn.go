package rules

import (
	"sync/atomic"
)

// An index first lists each rule under the clause best guesses is rarest
// (fewest keys, longest words). What is rare is what the articles say:
// the index counts, over the first LearnFrom articles it selects
// candidates for, how many had each key, then lists each rule again under
// the clause those articles had least (bestWeighed) — "killed OR
// captured" is in most war reports, "caliph" in few. Candidates are the
// same either way (every clause must hold for a match): only fewer rules
// are looked at to find them. In the benchmark's articles (Zipf's law
// over 40,000 words) an article at 100,000 rules walks 820 listed rules
// before and about 400 after.
//
// It learns once: a rule set reloaded learns again from its own first
// articles. Counting costs a few adds per key an article has, for those
// articles only; laying out again costs what building the lists cost
// (at 100,000 rules, a fraction of a second, once, in the matching call
// of the article that completes the count).

// LearnFrom is how many articles an index counts keys in before it lists
// its rules again.
const LearnFrom = 256

// learning is the counts an index gathers (index.learning).
type learning struct {
	after  int32          // articles to learn from
	seen   atomic.Int32   // articles counted, or being counted
	counts []atomic.Int32 // by key number: how many of them had it
}

func newLearning(keys int, after int32) *learning {
	return &learning{after: after, counts: make([]atomic.Int32, keys)}
}

// learn counts an article's keys (all), and lays the lists out again
// when it is the last to count. Matching calls run at once: a count may
// still be under way while another lays out, and is then left out.
func (ix *index) learn(l *learning, all []int32) {
	k := l.seen.Add(1)
	if k > l.after {
		return
	}
	for _, n := range all {
		l.counts[n].Add(1)
	}
	if k < l.after {
		return
	}
	weights := make([]uint32, len(l.counts))
	for n := range l.counts {
		weights[n] = uint32(l.counts[n].Load())
	}
	ix.layout.Store(ix.layOut(weights))
	ix.learning.Store(nil)
}

// bestWeighed picks the clause whose keys weigh least together: the one
// whose lists the articles learned from would have walked least. Among
// equal weights, best's choice.
func bestWeighed(cs []clause, weight func(key) uint32) clause {
	b, bw := best(cs), uint64(0)
	for _, k := range b {
		bw += uint64(weight(k))
	}
	for _, c := range cs {
		w := uint64(0)
		for _, k := range c {
			w += uint64(weight(k))
		}
		if w < bw {
			b, bw = c, w
		}
	}
	return b
}
