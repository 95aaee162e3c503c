package rules

import (
	"cmp"
	"hash/maphash"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/text"
)

// Document is an article prepared for matching: every field tokenized and
// indexed once, however many rules look at it.
type Document struct {
	text    [numFields]string
	toks    [numFields][]text.Token
	table   wordTable  // word → its chain in chains
	hashes  []uint64   // each chain's word's hash (wordSeed)
	chains  []chain    // where each word occurs, field by field, in order
	vocab   []string   // each chain's word: the distinct words, for reading them all in order
	tokens  int        // in all fields
	indexed bool       // table, chains, occurs, vocab and hashes are this article's (index)
	occurs  []posting  // every word's occurrences, chained
	words   []string   // withPrefix's buffer
	vocabAt []string   // vocab grouped by first byte (group), when grouped
	firsts  [257]int32 // where each first byte's words start in vocabAt
	grouped bool
	sents   [numFields][][2]int   // sentence ranges, built when a snippet needs them (a bit a field in split)
	quot    [numFields][]bool     // which of them a snippet may quote, with them (judged)
	runes   [numFields][][2]int32 // characters before each sentence's start and end (windowRunes, counted)
	split   uint8                 // fields whose sents are this article's; judged, counted: quot, runes
	judged  uint8
	counted uint8
	host    string
	feed    string
	tags    []string
	// prefetched is what prefetch read, kept so that no read is left out
	prefetched int
}

// posting is one occurrence of a word; next links to the word's next
// occurrence in Document.occurs (-1 at the end). One slice holds them all,
// so indexing an article takes a handful of allocations, not one per word.
type posting struct {
	field uint8
	pos   int32
	next  int32
}

// chain is a word's first and last occurrence in Document.occurs.
type chain struct{ head, tail int32 }

// NewDocument tokenizes the fields of a. Only the first article.MaxText
// bytes of a field are matched (article.MaxTitle of the title), whatever
// the article holds.
func NewDocument(a *article.Article) *Document {
	return newDocument(a, article.MaxTitle, article.MaxText)
}

// documents are Documents to reuse (borrowDocument): their token slices,
// index map and occurrences are cleared, not made again, for each article.
var documents = sync.Pool{New: func() any { return new(Document) }}

// borrowDocument is NewDocument from the pool, for a caller that is done
// with it before it returns (Set.Match, Set.Read): it must give it back
// (release) and keep no part of it — strings may be kept, slices not.
func borrowDocument(a *article.Article) *Document {
	d := documents.Get().(*Document)
	d.fill(a, article.MaxTitle, article.MaxText)
	return d
}

// release gives a borrowed document back to the pool.
func (d *Document) release() { documents.Put(d) }

func newDocument(a *article.Article, maxTitle, maxText int) *Document {
	d := new(Document)
	d.fill(a, maxTitle, maxText)
	return d
}

// fill makes d the document of a, reusing what d held before.
func (d *Document) fill(a *article.Article, maxTitle, maxText int) {
	clear(d.words[:cap(d.words)]) // words of the last article: not kept alive
	if d.indexed {                // the last article's index: nothing of it kept alive
		clear(d.vocab[:cap(d.vocab)])
		clear(d.vocabAt[:cap(d.vocabAt)])
		d.occurs, d.chains, d.vocab, d.hashes = d.occurs[:0], d.chains[:0], d.vocab[:0], d.hashes[:0]
	}
	d.feed, d.host, d.words, d.tags = strings.ToLower(a.Feed), "", d.words[:0], d.tags[:0]
	d.split, d.judged, d.counted = 0, 0, 0
	d.text[fieldTitle] = article.Clip(a.Title, maxTitle)
	d.text[fieldSummary] = article.Clip(a.Summary, maxText)
	d.text[fieldContent] = article.Clip(a.Content, maxText)
	d.text[fieldAuthor] = article.Clip(a.Author, maxTitle)
	d.text[fieldCategory] = article.Clip(strings.Join(a.Categories, "\n"), maxText)
	d.text[fieldURL] = article.Clip(a.Link, maxText)
	n := 0
	for f := range d.text {
		if d.toks[f] == nil {
			d.toks[f] = make([]text.Token, 0, len(d.text[f])/6+1)
		}
		d.toks[f] = text.AppendTokens(d.toks[f][:0], d.text[f])
		n += len(d.toks[f])
	}
	d.tokens, d.indexed, d.grouped = n, false, false
	if u, err := url.Parse(a.Link); err == nil {
		d.host = strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	}
	for _, t := range a.FeedTags {
		d.tags = append(d.tags, strings.ToLower(t))
	}
}

// chain is where word occurs in the document.
func (d *Document) chain(word string) (chain, bool) {
	d.index()
	ci, _ := d.table.find(maphash.String(wordSeed, word), word, d.vocab)
	if ci < 0 {
		return chain{}, false
	}
	return d.chains[ci], true
}

// test reports whether n matches d, without collecting occurrences: the
// cheap check every candidate gets before a match is explained.
func test(n node, d *Document) bool {
	switch n := n.(type) {
	case *termNode:
		if n.kind != termText || n.prefix && len(n.words) == 1 {
			return len(n.find(d)) > 0
		}
		c, ok := d.chain(n.key)
		if !ok {
			return false
		}
		for at := c.head; at >= 0; at = d.occurs[at].next {
			p := d.occurs[at]
			f, i := int(p.field), int(p.pos)
			if n.inField(f) && i+len(n.words) <= len(d.toks[f]) && n.matchesAt(d.toks[f], i) {
				return true
			}
		}
		return false
	case *andNode:
		for _, k := range n.kids {
			if !test(k, d) {
				return false
			}
		}
		return true
	case *orNode:
		for _, k := range n.kids {
			if test(k, d) {
				return true
			}
		}
		return false
	case *notNode:
		return !test(n.kid, d)
	case *nearNode:
		if !test(n.left, d) || !test(n.right, d) {
			return false
		}
		ok, _ := evalNear(n, d)
		return ok
	}
	return false
}

// occ is one occurrence of a term: n words from word pos in field, or a
// byte range for regexes and whole-field terms.
type occ struct {
	term       *termNode
	field      int
	pos, n     int // pos is -1 when the occurrence has no word position
	start, end int
}

// eval reports whether n matches d and the occurrences that made it match.
func eval(n node, d *Document) (bool, []occ) {
	switch n := n.(type) {
	case *termNode:
		occs := n.find(d)
		return len(occs) > 0, occs
	case *andNode:
		var all []occ
		for _, k := range n.kids {
			ok, occs := eval(k, d)
			if !ok {
				return false, nil
			}
			all = append(all, occs...)
		}
		return true, all
	case *orNode:
		var all []occ
		matched := false
		for _, k := range n.kids {
			if ok, occs := eval(k, d); ok {
				matched = true
				all = append(all, occs...)
			}
		}
		return matched, all
	case *notNode:
		ok, _ := eval(n.kid, d)
		return !ok, nil
	case *nearNode:
		return evalNear(n, d)
	}
	return false, nil
}

// evalNear keeps the occurrences of each side that have a partner on the
// other side in the same field within n words: at most n words stand
// between the end of the first and the start of the second (adjacent words
// have 0 between them). Each side's word positions are sorted once and
// each occurrence looks its partners up by binary search, so the work
// grows with the occurrences, not with their product.
func evalNear(n *nearNode, d *Document) (bool, []occ) {
	_, left := eval(n.left, d)
	if len(left) == 0 {
		return false, nil
	}
	_, right := eval(n.right, d)
	if len(right) == 0 {
		return false, nil
	}
	l, r := newSpans(left), newSpans(right)
	var out []occ
	for _, b := range right {
		// b follows a within n words, or (unordered) precedes it.
		if b.pos >= 0 && (l.endIn(b.field, b.pos-n.n, b.pos) || !n.ordered && l.startIn(b.field, b.pos+b.n, b.pos+b.n+n.n)) {
			out = append(out, b)
		}
	}
	for _, a := range left {
		if a.pos >= 0 && (r.startIn(a.field, a.pos+a.n, a.pos+a.n+n.n) || !n.ordered && r.endIn(a.field, a.pos-n.n, a.pos)) {
			out = append(out, a)
		}
	}
	return len(out) > 0, out
}

// spans are the word positions where occurrences start and end, per field,
// sorted, for range queries. By field in arrays, not maps: every NEAR a
// candidate rule holds makes two (at 100,000 rules an article tests 2.2
// NEAR rules that do not match).
type spans struct {
	starts, ends [numFields][]int
}

func newSpans(occs []occ) spans {
	var s spans
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
	return s
}

// startIn reports whether an occurrence in field f starts within [lo, hi].
func (s *spans) startIn(f, lo, hi int) bool { return anyIn(s.starts[f], lo, hi) }

// endIn reports whether an occurrence in field f ends within [lo, hi].
func (s *spans) endIn(f, lo, hi int) bool { return anyIn(s.ends[f], lo, hi) }

func anyIn(sorted []int, lo, hi int) bool {
	i := sort.SearchInts(sorted, lo)
	return i < len(sorted) && sorted[i] <= hi
}

func (t *termNode) fieldList() []int {
	if t.fields != nil {
		return t.fields
	}
	return defaultFields
}

func (t *termNode) find(d *Document) []occ {
	switch t.kind {
	case termSite:
		if d.host == t.text || strings.HasSuffix(d.host, "."+t.text) {
			return []occ{{term: t, field: fieldURL, pos: -1, end: len(d.text[fieldURL])}}
		}
		return nil
	case termFeed:
		if d.feed == t.text {
			return []occ{{term: t, field: -1, pos: -1}}
		}
		return nil
	case termTag:
		for _, tag := range d.tags {
			if tag == t.text {
				return []occ{{term: t, field: -1, pos: -1}}
			}
		}
		return nil
	case termRegex:
		var out []occ
		for _, f := range t.fieldList() {
			for _, m := range t.re.FindAllStringIndex(article.Clip(d.text[f], MaxRegexText), 20) {
				if m[1] > m[0] {
					out = append(out, occ{term: t, field: f, pos: -1, start: m[0], end: m[1]})
				}
			}
		}
		return out
	}
	if t.prefix && len(t.words) == 1 {
		var out []occ
		for _, w := range d.withPrefix(t.key) {
			out = t.collect(d, w, out)
		}
		if len(out) > 1 { // keep field, then position order
			slices.SortFunc(out, func(a, b occ) int { return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.pos, b.pos)) })
		}
		return out
	}
	return t.collect(d, t.key, nil)
}

// collect appends the occurrences of t that start where word occurs.
func (t *termNode) collect(d *Document, word string, out []occ) []occ {
	c, ok := d.chain(word)
	if !ok {
		return out
	}
	for at := c.head; at >= 0; at = d.occurs[at].next {
		p := d.occurs[at]
		f, i := int(p.field), int(p.pos)
		if !t.inField(f) {
			continue
		}
		toks := d.toks[f]
		if i+len(t.words) <= len(toks) && t.matchesAt(toks, i) {
			out = append(out, occ{term: t, field: f, pos: i, n: len(t.words),
				start: toks[i].Start, end: toks[i+len(t.words)-1].End})
		}
	}
	return out
}

func (t *termNode) inField(f int) bool {
	for _, g := range t.fieldList() {
		if g == f {
			return true
		}
	}
	return false
}

func (t *termNode) matchesAt(toks []text.Token, i int) bool {
	last := len(t.words) - 1
	for k, w := range t.words {
		tok := toks[i+k].Norm
		if t.caseSens {
			tok = toks[i+k].Cased
		}
		if k == last && t.prefix {
			if !strings.HasPrefix(tok, w) {
				return false
			}
		} else if tok != w {
			return false
		}
	}
	return true
}
