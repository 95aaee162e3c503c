package rules

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/feedwatch/feedwatch/internal/article"
)

// compactByTable is the way compact once worked: a table of every byte's
// new offset, filled while copying, read for each span.
func compactByTable(text string, start, end int, spans []article.Span) article.Snippet {
	var b strings.Builder
	at := make([]int, end-start+1)
	space := false
	for i, r := range text[start:end] {
		if unicode.IsSpace(r) {
			space = true
			at[i] = b.Len()
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		at[i] = b.Len()
		b.WriteRune(r)
	}
	at[end-start] = b.Len()
	out := b.String()
	var hits []article.Span
	for _, s := range spans {
		if s.Start < start || s.End > end {
			continue
		}
		h := article.Span{Start: at[s.Start-start], End: at[s.End-start]}
		for h.End > h.Start && out[h.End-1] == ' ' {
			h.End--
		}
		if h.End > h.Start {
			hits = append(hits, h)
		}
	}
	return article.Snippet{Text: out, Hits: hits}
}

// TestCompactingASnippetMarksWhatTheTableMarked checks the snippet's
// text and marked hits against the table of offsets, on random text of
// words, runs of spaces of every kind, characters of several bytes and
// invalid bytes, with spans starting and ending anywhere, inside a
// character too.
func TestCompactingASnippetMarksWhatTheTableMarked(t *testing.T) {
	pieces := []string{"al", "Qaim", " ", "  ", "\t", "\n\n", "\u00a0", "\u2003", "é", "—", "巴格达", "\xff", "\xe2\x80", ".", "x"}
	r := rand.New(rand.NewPCG(3, 5))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		start, end := 0, len(text)
		if len(text) > 0 {
			start = r.IntN(len(text) + 1)
			end = start + r.IntN(len(text)-start+1)
		}
		var cuts []int // ascending, apart: merged spans
		for range 2 * r.IntN(5) {
			cuts = append(cuts, r.IntN(len(text)+1))
		}
		spans := spansOf(cuts)
		got := compact("text", text, start, end, spans)
		want := compactByTable(text, start, end, spans)
		if got.Text != want.Text || !slices.Equal(got.Hits, want.Hits) {
			t.Fatalf("compact(%q, %d, %d, %v):\n got %q %v\nwant %q %v", text, start, end, spans, got.Text, got.Hits, want.Text, want.Hits)
		}
	}
}

// spansOf makes sorted spans that neither overlap nor touch from cut
// points, as cut merges them.
func spansOf(cuts []int) []article.Span {
	slices.Sort(cuts)
	var out []article.Span
	for i := 0; i+1 < len(cuts); i += 2 {
		if n := len(out); n > 0 && cuts[i] <= out[n-1].End {
			continue
		}
		out = append(out, article.Span{Start: cuts[i], End: cuts[i+1]})
	}
	return out
}

// TestAnExplanationListsEachOccurrenceOnce: a rule's occurrences repeat
// when its terms overlap ("ramadi" and ramadi*, an OR of a word with
// itself); its explanation lists each field and byte range once, first
// time first. Random lists of up to 80 occurrences (past the 32 a small
// set holds) must give the hits a map of ranges seen gives.
func TestAnExplanationListsEachOccurrenceOnce(t *testing.T) {
	d := NewDocument(&article.Article{Title: "Raid near Ramadi", Content: "Troops raided a house near Ramadi. " + strings.Repeat("Ramadi again. ", 40)})
	rng := rand.New(rand.NewPCG(5, 6))
	terms := []*termNode{{raw: "ramadi"}, {raw: "ramadi*"}, {raw: "raid*"}}
	for range 500 {
		var occs []occ
		for range rng.IntN(81) {
			f := []int{fieldTitle, fieldContent, -1}[rng.IntN(3)]
			start := rng.IntN(6) * 7
			occs = append(occs, occ{term: terms[rng.IntN(len(terms))], field: f, pos: start / 7, start: start, end: start + 6})
		}
		var want []article.Hit
		seen := map[[3]int]bool{}
		for _, o := range occs {
			if k := [3]int{o.field, o.start, o.end}; !seen[k] {
				seen[k] = true
				field := "feed"
				if o.field >= 0 {
					field = fieldNames[o.field]
				}
				want = append(want, article.Hit{Term: o.term.raw, Field: field, Pos: o.pos})
			}
		}
		if got := explain(d, occs).Hits; !slices.Equal(got, want) {
			t.Fatalf("%d occurrences: hits %v, want %v", len(occs), got, want)
		}
	}
}

// TestALineIsTheHeadlineWhenItsWordsAre: a line that repeats the headline
// is not quoted; it is told without splitting either into words. On
// random texts (capitals, accented and Turkish letters, digits, marks,
// punctuation, invalid bytes) sameWords must agree with comparing the
// lower-cased words themselves.
func TestALineIsTheHeadlineWhenItsWordsAre(t *testing.T) {
	words := func(s string) string {
		return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
	}
	parts := []string{"a", "A", "b", "É", "é", "İ", "i", "ß", "7", " ", "  ", ",", "-", "\u0301", "\xff", "\n", "Ab"}
	rng := rand.New(rand.NewPCG(11, 12))
	text := func() string {
		var b strings.Builder
		for range rng.IntN(9) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		return b.String()
	}
	same := 0
	for range 200000 {
		a, b := text(), text()
		if rng.IntN(3) == 0 { // the same words, written otherwise
			b = strings.ToUpper(a) + " ,"
		}
		want := words(a) == words(b)
		if got := sameWords(a, b); got != want {
			t.Fatalf("sameWords(%q, %q) = %v, want %v", a, b, got, want)
		}
		if want {
			same++
		}
	}
	if same < 1000 {
		t.Fatalf("only %d pairs of the same words: the test tries too few", same)
	}
}
