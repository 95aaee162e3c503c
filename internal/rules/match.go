package rules

import (
	"cmp"
	"hash/maphash"
	"net/url"
	"slices"
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
	ascii   uint8 // of the fields counted, those of ASCII: as many characters as bytes
	host    string
	feed    string
	tags    []string
	found   []occ                   // occurrences being evaluated (evalInto)
	byField [fieldContent + 1][]occ // an explanation's occurrences in the title, summary and text
	near    [2]spans                // a NEAR's sides (evalNearInto)
	nodes   []node                  // prefetch's levels
	matches []article.Match         // Set.match's, before they are copied
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

func (t *termNode) fieldList() []int {
	if t.fields != nil {
		return t.fields
	}
	return defaultFields
}

// appendFind appends t's occurrences in d to out.
func (t *termNode) appendFind(d *Document, out []occ) []occ {
	switch t.kind {
	case termSite:
		if d.host == t.text || strings.HasSuffix(d.host, "."+t.text) {
			out = append(out, occ{term: t, field: fieldURL, pos: -1, end: len(d.text[fieldURL])})
		}
		return out
	case termFeed:
		if d.feed == t.text {
			out = append(out, occ{term: t, field: -1, pos: -1})
		}
		return out
	case termTag:
		if slices.Contains(d.tags, t.text) {
			out = append(out, occ{term: t, field: -1, pos: -1})
		}
		return out
	case termRegex:
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
		from := len(out)
		for _, w := range d.withPrefix(t.key) {
			out = t.collect(d, w, out)
		}
		if len(out)-from > 1 { // keep field, then position order
			slices.SortFunc(out[from:], func(a, b occ) int { return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.pos, b.pos)) })
		}
		return out
	}
	return t.collect(d, t.key, out)
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
