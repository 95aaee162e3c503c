package rules

import (
	"net/url"
	"sort"
	"strings"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/text"
)

// Document is an article prepared for matching: every field tokenized and
// indexed once, however many rules look at it.
type Document struct {
	text     [numFields]string
	toks     [numFields][]text.Token
	postings map[string][]posting // word → where it occurs, field by field, in order
	words    []string             // distinct words, sorted; built when a wildcard needs them
	host     string
	feed     string
	tags     []string
}

// posting is one occurrence of a word.
type posting struct {
	field uint8
	pos   int32
}

// NewDocument tokenizes the fields of a.
func NewDocument(a *article.Article) *Document {
	d := &Document{feed: strings.ToLower(a.Feed)}
	d.text[fieldTitle] = a.Title
	d.text[fieldSummary] = a.Summary
	d.text[fieldContent] = a.Content
	d.text[fieldAuthor] = a.Author
	d.text[fieldCategory] = strings.Join(a.Categories, "\n")
	d.text[fieldURL] = a.Link
	n := 0
	for f := range d.text {
		d.toks[f] = text.Tokenize(d.text[f])
		n += len(d.toks[f])
	}
	d.postings = make(map[string][]posting, n/2)
	for f := range d.toks {
		for i, tk := range d.toks[f] {
			d.postings[tk.Norm] = append(d.postings[tk.Norm], posting{uint8(f), int32(i)})
		}
	}
	if u, err := url.Parse(a.Link); err == nil {
		d.host = strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	}
	for _, t := range a.FeedTags {
		d.tags = append(d.tags, strings.ToLower(t))
	}
	return d
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
// have 0 between them).
func evalNear(n *nearNode, d *Document) (bool, []occ) {
	_, left := eval(n.left, d)
	if len(left) == 0 {
		return false, nil
	}
	_, right := eval(n.right, d)
	var out []occ
	usedR := make([]bool, len(right))
	for _, a := range left {
		hit := false
		for j, b := range right {
			if a.field != b.field || a.pos < 0 || b.pos < 0 {
				continue
			}
			var gap int
			switch {
			case a.pos+a.n <= b.pos: // a before b
				gap = b.pos - (a.pos + a.n)
			case b.pos+b.n <= a.pos: // b before a
				if n.ordered {
					continue
				}
				gap = a.pos - (b.pos + b.n)
			default:
				continue // overlapping: the same words
			}
			if gap <= n.n {
				hit = true
				if !usedR[j] {
					usedR[j] = true
					out = append(out, b)
				}
			}
		}
		if hit {
			out = append(out, a)
		}
	}
	return len(out) > 0, out
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
			for _, m := range t.re.FindAllStringIndex(d.text[f], 20) {
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
			out = t.collect(d, d.postings[w], out)
		}
		if len(out) > 1 { // keep field, then position order
			sort.Slice(out, func(i, j int) bool {
				return out[i].field < out[j].field || out[i].field == out[j].field && out[i].pos < out[j].pos
			})
		}
		return out
	}
	return t.collect(d, d.postings[t.key], nil)
}

// collect appends the occurrences of t that start at the postings of its
// first word.
func (t *termNode) collect(d *Document, ps []posting, out []occ) []occ {
	for _, p := range ps {
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

// withPrefix returns the document's distinct words that start with p.
func (d *Document) withPrefix(p string) []string {
	if d.words == nil {
		d.words = make([]string, 0, len(d.postings))
		for w := range d.postings {
			d.words = append(d.words, w)
		}
		sort.Strings(d.words)
	}
	i := sort.SearchStrings(d.words, p)
	j := i
	for j < len(d.words) && strings.HasPrefix(d.words[j], p) {
		j++
	}
	return d.words[i:j]
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
