package rules

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
	keyPrefix                // a wildcard's prefix, whole
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
				return []clause{{{keyPrefix, n.key}}}, true
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

// best picks the clause most likely to be rare. A word costs 1; a
// wildcard's prefix, which many words may start with, costs as much as
// 20; among equal costs, longer words win (long words are rarer than
// short ones).
func best(cs []clause) clause {
	score := func(c clause) (int, int) {
		cost, shortest := 0, 1<<30
		for _, k := range c {
			if k.kind == keyPrefix {
				cost += 20
				continue
			}
			cost++
			shortest = min(shortest, len(k.s))
		}
		return cost, shortest
	}
	b := cs[0]
	bc, bl := score(b)
	for _, c := range cs[1:] {
		if n, l := score(c); n < bc || n == bc && l > bl {
			b, bc, bl = c, n, l
		}
	}
	return b
}

// index is the presearcher of a rule set. Every key any rule needs gets a
// small number, so that checking a clause against an article is a few
// array reads: per article, the keys it has are marked in a scratch array.
type index struct {
	ids      map[key]int32 // key → number
	words    *wordKeys     // the rule words' and the wildcards' prefixes' key numbers (ids' keyWord and keyPrefix keys)
	rules    []*Rule
	always   []int32                  // rules with no indexable term
	layout   atomic.Pointer[layout]   // which rules each key lists
	learning atomic.Pointer[learning] // until the lists are laid out again from what articles hold (learn.go)
	hasKey   bool                     // some rule uses a site, feed or tag key
	large    bool                     // so many rules that nearly every article has candidates (largeSet)
	pool     sync.Pool                // *scratch
}

// layout is the rules listed under each key, laid out by layOut. It is
// replaced whole, never changed: a matching call reads the one it loaded.
type layout struct {
	lists  []int32  // each key's rules, ascending, each with its filter (entries), one key's after another's
	starts []int32  // key number → where its list starts in lists (and ends: the next one's start)
	listed []uint64 // key number → whether it has a list, a bit each
}

// scratch is one matching call's marks: which keys the article has,
// stamped with the call's generation so nothing needs clearing.
type scratch struct {
	gen     uint32
	present []uint32 // by key number
	keys    []int32  // the key numbers present that have a list
	all     []int32  // every key number present, while the index learns
	touched int32    // what touch read
	recs    []int32  // marksVocab's buffer
}

// largeSet is how many rules make an index large: one that looks an
// article's distinct words up, having indexed them first, rather than
// each word as often as it occurs. With fewer rules most articles have no
// candidate and are never indexed (Document.index): 1,000 rules 58 → 48
// µs an article; with more, nearly every article has one and is indexed
// anyway (0.75 matches an article at 10,000 rules in the benchmark), and
// reading each distinct word once is the cheaper (10,000 rules 94 → 84
// µs, 100,000 rules 245 → 234 µs).
const largeSet = 5000

func buildIndex(rs []*Rule) *index { return buildIndexHashing(rs, nil) }

// buildIndexHashing is buildIndex with words and prefixes hashed by
// weakHash (tests); when it is nil, words are hashed as documents hash
// theirs (wordSeed), prefixes from a seed of the index's own.
func buildIndexHashing(rs []*Rule, weakHash func(string) uint64) *index {
	ix := &index{rules: rs, large: len(rs) >= largeSet, ids: map[key]int32{}, words: newWordKeys(weakHash)}
	ix.layout.Store(ix.layOut(nil))
	ix.words.seal()
	ix.learning.Store(newLearning(len(ix.ids), LearnFrom))
	ix.pool.New = func() any {
		return &scratch{present: make([]uint32, len(ix.ids))}
	}
	return ix
}

// layOut lists each rule that has clauses under one of them, the keys a
// candidate must have. With no weights (the first time, which also numbers
// the keys and finds the rules with none, always) the clause is best's
// guess at the rarest; with weights, how many of the articles learned
// from had each key, it is the one their articles had least, so that the
// common words' lists hold fewer rules.
func (ix *index) layOut(weights []uint32) *layout {
	var byKey [][]int32 // key number → its list of entries
	for i, r := range ix.rules {
		cs, ok := required(r.query)
		if !ok {
			if weights == nil {
				ix.always = append(ix.always, int32(i))
			}
			continue
		}
		var chosen clause
		if weights == nil {
			chosen = best(cs)
		} else {
			chosen = bestWeighed(cs, func(k key) uint32 { return weights[ix.ids[k]] })
		}
		// The chosen clause holds for every candidate; the others are
		// checked cheapest first, so most candidates fail at one read.
		var rest [][]int32
		for _, c := range cs {
			if &c[0] == &chosen[0] {
				continue
			}
			ns := make([]int32, len(c))
			for j, k := range c {
				ns[j] = ix.id(k)
			}
			rest = append(rest, ns)
		}
		sort.SliceStable(rest, func(a, b int) bool { return len(rest[a]) < len(rest[b]) })
		e := entry(int32(i), rest)
		var under []int32
		for _, k := range chosen {
			under = append(under, ix.id(k))
		}
		slices.Sort(under)
		for _, n := range slices.Compact(under) { // a key twice in the clause: once
			if int(n) >= len(byKey) {
				byKey = slices.Grow(byKey, int(n)+1-len(byKey))[:n+1]
			}
			byKey[n] = append(byKey[n], e...)
		}
	}
	return lay(byKey, len(ix.ids))
}

// id is the number of key k, given when k is first met (the first
// layOut: later ones meet no new key, and only read ids).
func (ix *index) id(k key) int32 {
	if n, ok := ix.ids[k]; ok {
		return n
	}
	n := int32(len(ix.ids))
	ix.ids[k] = n
	switch k.kind {
	case keyWord:
		ix.words.addWord(k.s, n)
	case keyPrefix:
		ix.words.addPrefix(k.s, n) // the article's words mark these too
	default:
		ix.hasKey = true
	}
	return n
}

// lay puts the keys' lists (byKey, some of the keys keys) one after
// another in one slice: a key's list is found by one read of a small
// array (where a slice's header was three times the size, each read a
// miss at 100,000 rules), and the keys no rule is listed under (those
// only checked in filters) cost no more.
//
// listed says which keys have a list, a bit each (7 KB at 100,000 rules,
// where the bounds are 220 KB): marking a key tells from it whether there
// is a list to walk. 229 of an article's 454 keys at 100,000 rules have
// none (the wildcards' prefixes, mostly: the index prefers a clause of
// words), and each had cost a read of its list's bounds.
func lay(byKey [][]int32, keys int) *layout {
	size := 0
	for _, l := range byKey {
		size += len(l)
	}
	ly := &layout{lists: make([]int32, 0, size), starts: make([]int32, 0, keys+1), listed: make([]uint64, (keys+63)/64)}
	for n := range keys {
		ly.starts = append(ly.starts, int32(len(ly.lists)))
		if n < len(byKey) && len(byKey[n]) > 0 {
			ly.lists = append(ly.lists, byKey[n]...)
			ly.listed[n>>6] |= 1 << (n & 63)
		}
	}
	ly.starts = append(ly.starts, int32(len(ly.lists)))
	return ly
}

// candidates returns the positions of the rules that may match d, in
// rule order.
func (ix *index) candidates(d *Document) []int32 {
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	sc.gen++
	if sc.gen == 0 { // wrapped around: start the marks afresh
		clear(sc.present)
		sc.gen = 1
	}
	sc.keys, sc.all = sc.keys[:0], sc.all[:0]
	ly, learning := ix.layout.Load(), ix.learning.Load()
	ix.markKeys(d, sc, ly, learning != nil)
	if learning != nil {
		ix.learn(learning, sc.all)
	}
	sc.touched = ly.touch(sc.keys)
	out := slices.Clone(ix.always)
	for _, n := range sc.keys {
		for l := ly.lists[ly.starts[n]:ly.starts[n+1]]; len(l) > 0; {
			r, size := l[0], l[1]
			if satisfied(l[2:2+size], sc.present, sc.gen) {
				out = append(out, r)
			}
			l = l[2+size:]
		}
	}
	slices.Sort(out)
	return slices.Compact(out) // a rule under two keys the article both has
}

// touch reads the first entry of each key's list, before any is walked.
// The reads do not depend on one another, so the processor has many of
// them under way at once; walking the lists one after another had waited
// for each. At 100,000 rules an article reads 225 lists spread over some
// 8 MB: reading their first entries was 19 µs of an article's 166 in a
// profile, and walking them took 28.0–36.6 µs, 20.4–24.5 after this
// (timers in a throw-away copy, the same binary with and without, three
// runs each). The sum is kept (scratch.touched) so that no read is left
// out as unused.
func (ly *layout) touch(keys []int32) int32 {
	var sum int32
	for _, n := range keys {
		sum += ly.lists[ly.starts[n]]
	}
	return sum
}

// markKeys marks in sc the keys d has, in sc.keys those ly lists rules
// under, in sc.all every one when the index is learning.
func (ix *index) markKeys(d *Document, sc *scratch, ly *layout, learning bool) {
	gen := sc.gen
	mark := func(n int32, ok bool) {
		if ok && sc.present[n] != gen {
			sc.present[n] = gen
			if ly.listed[n>>6]&(1<<(n&63)) != 0 {
				sc.keys = append(sc.keys, n)
			}
			if learning {
				sc.all = append(sc.all, n)
			}
		}
	}
	markKey := func(n int32) { mark(n, true) }
	if ix.large {
		d.index()
		sc.touched += int32(ix.words.words.touch(d.hashes))
		var read uint32
		sc.recs, read = ix.words.marksVocab(d.vocab, d.hashes, markKey, sc.recs)
		sc.touched += int32(read)
	} else {
		for _, toks := range d.toks { // a word as often as it occurs: cheaper than finding the distinct ones first
			for _, tk := range toks {
				ix.words.marks(tk.Norm, markKey)
			}
		}
	}
	if !ix.hasKey {
		return
	}
	for h := d.host; h != ""; {
		n, ok := ix.ids[key{keySite, h}]
		mark(n, ok)
		_, rest, found := strings.Cut(h, ".")
		if !found {
			break
		}
		h = rest
	}
	n, ok := ix.ids[key{keyFeed, d.feed}]
	mark(n, ok)
	for _, t := range d.tags {
		n, ok := ix.ids[key{keyTag, t}]
		mark(n, ok)
	}
}

// entry is rule r as a key's list holds it: r, the length of the rest,
// then each clause of its filter as its length and its key numbers. A
// key's rules and their filters are read in one run of memory: at
// 100,000 rules, reading each rule's filter where it lay (and marking the
// rules considered) took a third of selecting candidates, nearly all of
// it waiting for memory.
func entry(r int32, clauses [][]int32) []int32 {
	e := []int32{r, 0}
	for _, c := range clauses {
		e = append(e, int32(len(c)))
		e = append(e, c...)
	}
	e[1] = int32(len(e) - 2)
	return e
}

// satisfied reports whether every clause of a filter (entry) has a key
// present.
func satisfied(filter []int32, present []uint32, gen uint32) bool {
	for len(filter) > 0 {
		c := filter[1 : 1+filter[0]]
		filter = filter[1+filter[0]:]
		if !slices.ContainsFunc(c, func(n int32) bool { return present[n] == gen }) {
			return false
		}
	}
	return true
}
