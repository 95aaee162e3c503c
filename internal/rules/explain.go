package rules

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/article"
)

// MaxSnippet is the longest snippet, in characters.
const MaxSnippet = 300

// MaxHits is how many hits an explanation lists; the snippet is chosen
// from all of them.
const MaxHits = 100

// explain turns the occurrences that made a rule match into hits and the
// best snippet: the sentence, or two adjacent ones, with the most distinct
// terms and hits, at most MaxSnippet characters, hits marked.
func explain(d *Document, occs []occ) article.Explanation {
	var ex article.Explanation
	var seen occSet
	if len(occs) > len(seen.few) {
		seen.many = make(map[[3]int]bool, len(occs))
	}
	byField := &d.byField // title, summary, text
	for _, o := range occs {
		if !seen.add([3]int{o.field, o.start, o.end}) {
			continue
		}
		field := "feed"
		if o.field >= 0 {
			field = fieldNames[o.field]
		}
		if len(ex.Hits) < MaxHits {
			if ex.Hits == nil {
				ex.Hits = make([]article.Hit, 0, min(len(occs), MaxHits))
			}
			ex.Hits = append(ex.Hits, article.Hit{Term: o.term.raw, Field: field, Pos: o.pos})
		}
		if o.field >= 0 && o.field <= fieldContent && o.end > o.start {
			byField[o.field] = append(byField[o.field], o)
		}
	}
	ex.Snippet = bestSnippet(d, byField)
	for f := range byField { // kept for the next match, holding no rule's terms
		clear(byField[f])
		byField[f] = byField[f][:0]
	}
	return ex
}

// occSet is the occurrences an explanation has listed, by field and
// byte range: up to 32 in an array, looked through, more in a map (every
// match explained had made a map).
type occSet struct {
	few  [32][3]int
	n    int
	many map[[3]int]bool
}

// add reports whether k is new, and keeps it. The set takes at most 32
// keys unless made with many.
func (s *occSet) add(k [3]int) bool {
	if s.many != nil {
		if s.many[k] {
			return false
		}
		s.many[k] = true
		return true
	}
	if slices.Contains(s.few[:s.n], k) {
		return false
	}
	s.few[s.n] = k
	s.n++
	return true
}

type window struct {
	field, start, end int
	score             int
}

// bestSnippet scores each quotable sentence of the summary and the text,
// and each pair of adjacent ones, that holds hits. Occurrences are sorted
// once and swept with the sentences, so the work grows with the text and
// the hits, not with their product. With no hit in either, it is the first
// quotable sentence (the lead: the headline is shown anyway), else the
// title.
func bestSnippet(d *Document, byField *[fieldContent + 1][]occ) article.Snippet {
	var best window
	found := false
	for f := fieldSummary; f <= fieldContent; f++ {
		occs := byField[f]
		if len(occs) == 0 {
			continue
		}
		slices.SortStableFunc(occs, func(a, b occ) int { return cmp.Compare(a.start, b.start) })
		if w, ok := bestWindow(d, f, occs); ok && (!found || w.score > best.score) {
			best, found = w, true
		}
	}
	if !found {
		if best, found = lead(d); !found {
			return article.Snippet{}
		}
	}
	var few [16]article.Span
	spans := few[:0]
	for _, o := range byField[best.field] {
		if o.start >= best.start && o.end <= best.end {
			spans = append(spans, article.Span{Start: o.start, End: o.end})
		}
	}
	return cut(fieldNames[best.field], d.text[best.field], best.start, best.end, spans)
}

// bestWindow is the best-scoring window of one field, if one has hits:
// distinct terms count most, and a second sentence must add something.
func bestWindow(d *Document, f int, occs []occ) (window, bool) {
	var best window
	found := false
	var few [8]*termNode
	terms := few[:0] // a window's distinct terms: a few
	sents := d.sentences(f)
	ok := d.quotable(f)
	k := 0 // the first occurrence that starts at or after sentence i
	for i := range sents {
		for k < len(occs) && occs[k].start < sents[i][0] {
			k++
		}
		if k == len(occs) {
			break
		}
		for w := 1; w <= 2 && i+w <= len(sents) && ok[i+w-1]; w++ {
			start, end := sents[i][0], sents[i+w-1][1]
			terms = terms[:0]
			hits := 0
			for j := k; j < len(occs) && occs[j].start < end; j++ {
				if occs[j].end <= end {
					if !slices.Contains(terms, occs[j].term) {
						terms = append(terms, occs[j].term)
					}
					hits++
				}
			}
			if hits == 0 || !ok[i] || w == 2 && end-start > MaxSnippet && d.windowRunes(f, i, i+1) > MaxSnippet { // no more characters than bytes
				continue
			}
			if score := len(terms)*1000 + hits*10 - w; !found || score > best.score {
				best, found = window{f, start, end, score}, true
			}
		}
	}
	return best, found
}

// lead is the first quotable sentence of the summary or the text, else the
// title's first; none when the article has no text at all.
func lead(d *Document) (window, bool) {
	for _, f := range []int{fieldSummary, fieldContent, fieldTitle} {
		sents := d.sentences(f)
		for i, ok := range d.quotable(f) {
			if ok || f == fieldTitle {
				return window{field: f, start: sents[i][0], end: sents[i][1]}, true
			}
		}
	}
	return window{}, false
}

// cut takes text[start:end], collapses white space, and shortens it to
// MaxSnippet characters around the first hit. spans are in text offsets.
func cut(field, text string, start, end int, spans []article.Span) article.Snippet {
	slices.SortFunc(spans, func(a, b article.Span) int { return cmp.Compare(a.Start, b.Start) })
	// merge overlapping spans
	merged := spans[:0] // in place: a span is read before it is written over
	for _, s := range spans {
		if n := len(merged); n > 0 && s.Start <= merged[n-1].End {
			if s.End > merged[n-1].End {
				merged[n-1].End = s.End
			}
			continue
		}
		merged = append(merged, s)
	}
	if end-start > MaxSnippet && utf8.RuneCountInString(text[start:end]) > MaxSnippet { // no more characters than bytes
		from := start
		if len(merged) > 0 {
			from = backWords(text, start, merged[0].Start, 60)
		}
		to := from
		for n := 0; to < end && n < MaxSnippet-2; n++ {
			_, sz := utf8.DecodeRuneInString(text[to:])
			to += sz
		}
		if to < end {
			if sp := strings.LastIndexFunc(text[from:to], unicode.IsSpace); sp > 0 {
				to = from + sp
			}
		}
		prefix, suffix := "", ""
		if from > start {
			prefix = "…"
		}
		if to < end {
			suffix = "…"
		}
		s := compact(field, text, from, to, merged)
		s.Text = prefix + s.Text + suffix
		for i := range s.Hits {
			s.Hits[i].Start += len(prefix)
			s.Hits[i].End += len(prefix)
		}
		return s
	}
	return compact(field, text, start, end, merged)
}

// backWords returns a position about n characters before at, at a word
// start, not before min.
func backWords(text string, min, at, n int) int {
	p := at
	for k := 0; p > min && k < n; k++ {
		_, sz := utf8.DecodeLastRuneInString(text[:p])
		p -= sz
	}
	if p > min {
		if sp := strings.IndexFunc(text[p:at], unicode.IsSpace); sp >= 0 {
			p += sp + 1
		}
	}
	return p
}

// compact copies text[start:end] with runs of white space made one space,
// keeping spans that lie inside it. The spans' ends are found on the way
// (they are sorted and apart, as cut merges them), not from a table of
// every byte's new offset: every match explained makes a snippet, and the
// table had been half of making one. A run of ASCII that is no space is
// copied at once (plainRun): a byte at a time, a snippet had cost 5 ns a
// byte. The Builder's String is its bytes, not a copy of them. A snippet
// already compact (plain) is copied whole.
func compact(field, text string, start, end int, spans []article.Span) article.Snippet {
	if plain(text[start:end]) {
		return plainSnippet(field, text, start, end, spans)
	}
	var few [32]int
	bounds := few[:0] // the spans inside, start and end, ascending
	for _, s := range spans {
		if s.Start >= start && s.End <= end {
			bounds = append(bounds, s.Start, s.End)
		}
	}
	at := bounds            // their new offsets, each written over its bound once passed
	var buf strings.Builder // its String is its bytes, not a copy
	buf.Grow(end - start)
	space, k := false, 0
	for i := start; i < end; {
		for ; k < len(bounds) && bounds[k] < i; k++ {
			at[k] = 0 // inside a character: as a byte no character starts at
		}
		c, r, sz := text[i], rune(0), 1
		var isSpace bool
		if c < utf8.RuneSelf {
			isSpace = asciiSpace(c)
		} else {
			r, sz = utf8.DecodeRuneInString(text[i:end])
			isSpace = unicode.IsSpace(r)
		}
		if !isSpace && space && buf.Len() > 0 {
			buf.WriteByte(' ')
		}
		for ; k < len(bounds) && bounds[k] == i; k++ {
			at[k] = buf.Len()
		}
		space = isSpace
		switch {
		case isSpace:
		case c < utf8.RuneSelf: // with the bytes after it that need nothing either, up to the next bound
			stop := end
			if k < len(bounds) {
				stop = bounds[k]
			}
			sz = plainRun(text, i, stop) - i
			buf.WriteString(text[i : i+sz])
		default:
			buf.WriteRune(r) // an invalid byte becomes U+FFFD
		}
		i += sz
	}
	for ; k < len(bounds); k++ {
		if bounds[k] == end {
			at[k] = buf.Len()
		} else {
			at[k] = 0 // inside the last character, as above
		}
	}
	out := buf.String()
	return article.Snippet{Field: field, Text: out, Hits: hitsAt(out, at)}
}

// plain reports whether s is ASCII words each one space apart, none
// before the first or after the last: as compact leaves it. Most
// snippets are.
func plain(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// plainSnippet is compact's snippet of text[start:end] when it is plain:
// the text itself, a byte of it a byte of the snippet, and its spans
// where they were, less start.
func plainSnippet(field, text string, start, end int, spans []article.Span) article.Snippet {
	var few [32]int
	at := few[:0]
	for _, s := range spans {
		if s.Start >= start && s.End <= end {
			at = append(at, s.Start-start, s.End-start)
		}
	}
	out := strings.Clone(text[start:end]) // not the whole text kept alive by a match
	return article.Snippet{Field: field, Text: out, Hits: hitsAt(out, at)}
}

// plainRun is where the run of ASCII bytes that are no space, starting
// with text[i], ends, at stop at the latest.
func plainRun(text string, i, stop int) int {
	j := i + 1
	for j < stop && text[j] < utf8.RuneSelf && !asciiSpace(text[j]) {
		j++
	}
	return j
}

func asciiSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// hitsAt are the spans of a compacted snippet from their bounds' offsets
// in it (start, end, start…), each without the spaces it ends with, none
// empty.
func hitsAt(out string, at []int) []article.Span {
	var hits []article.Span
	for j := 0; j < len(at); j += 2 {
		h := article.Span{Start: at[j], End: at[j+1]}
		for h.End > h.Start && out[h.End-1] == ' ' {
			h.End--
		}
		if h.End > h.Start {
			hits = append(hits, h)
		}
	}
	return hits
}
