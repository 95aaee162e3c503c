package rules

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/article"
)

// sentencesByteByByte is how sentences split a text before it searched
// for the bytes that may end one: every byte read in turn, the word before
// a period lower-cased and looked up. The reference the faster split must
// agree with.
func sentencesByteByByte(text string) [][2]int {
	var out [][2]int
	start := 0
	add := func(end int) {
		s, e := start, end
		for s < e && isSpaceByte(text[s]) {
			s++
		}
		for e > s && isSpaceByte(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, [2]int{s, e})
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			add(i)
			start = i + 1
			continue
		}
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		end := i + 1
		for end < len(text) {
			r, sz := utf8.DecodeRuneInString(text[end:])
			if !strings.ContainsRune(`"')]”’»`, r) {
				break
			}
			end += sz
		}
		if end < len(text) && isSpaceByte(text[end]) {
			before := text[start:i]
			w := before[strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) })+1:]
			if c == '.' && (utf8.RuneCountInString(w) == 1 || titles[strings.ToLower(w)]) {
				continue
			}
			add(end)
			start = end
		}
	}
	add(len(text))
	return out
}

// TestSentencesSplitAsReadingEveryByteDoes: random texts of words,
// abbreviations in any case, letters beyond ASCII next to them, every
// sentence end, quotes and brackets after it, and invalid bytes, split as
// reading them byte by byte splits them; and a document reused from the
// pool splits its next article afresh, and judges and counts its
// sentences afresh.
func TestSentencesSplitAsReadingEveryByteDoes(t *testing.T) {
	pieces := []string{"troops", "Raided", "ÉTAT", "Gen", "gen", "GEN", "Approx", "approxi", "Nov", "U", "é", "ß", "x", "中文", "1",
		".", ". ", "! ", "? ", "?", ".\n", "\n", " ", "  ", "\t", "\r\n", `."`, ".” ", ".) ", "’ ", "»", "\xff", "\xc3", "-"}
	rng := rand.New(rand.NewPCG(3, 4))
	d := new(Document)
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		want := sentencesByteByByte(text)
		if got := sentences(text); !slices.Equal(got, want) {
			t.Fatalf("%q: sentences %v, reading every byte %v", text, got, want)
		}
		d.fill(&article.Article{Content: text}, 1000, 1000)
		if got := d.sentences(fieldContent); !slices.Equal(got, want) {
			t.Fatalf("%q: a reused document's sentences %v, reading every byte %v", text, got, want)
		}
		if got, want := d.quotable(fieldContent), quotable(text, "", want); !slices.Equal(got, want) {
			t.Fatalf("%q: a reused document's quotable %v, afresh %v", text, got, want)
		}
		for i, s := range want {
			if got, want := d.windowRunes(fieldContent, i, i), utf8.RuneCountInString(text[s[0]:s[1]]); got != want {
				t.Fatalf("%q: a reused document's sentence %d holds %d characters, not %d", text, i, got, want)
			}
		}
	}
}
