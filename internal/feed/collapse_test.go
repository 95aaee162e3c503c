package feed

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// collapseByLines is how collapse read text before it was made one pass:
// lines (\r is a line break), each line's words joined by one space,
// empty lines dropped. The one-pass collapse must say exactly the same.
func collapseByLines(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestCollapseSaysWhatReadingByLinesSays(t *testing.T) {
	pieces := []string{"a", "Anbar", "é", " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u2003", "\u2028", "\u0085", "\xff", "\xe2\x80", "x y", "\n\n", ""}
	cases := []string{"", " ", "\n", "a", " a", "a ", "a\n", "\na", "a  b", "a\n\nb", "a \n b", "a\u00a0b", "a\r\nb", "\xffa b\xfe"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		if got, want := collapse(c), collapseByLines(c); got != want {
			t.Fatalf("collapse(%q) = %q, want %q", c, got, want)
		}
	}
}

// TestCollapsingPieceByPieceIsCollapsingTheWhole: the plain-markup
// reader writes a text to a collapser in pieces (the text between two
// tags, an entity decoded); cut anywhere but inside a character, the
// pieces must collapse as the whole text does, whichever way each piece
// is read (words of ASCII one space apart are copied whole).
func TestCollapsingPieceByPieceIsCollapsingTheWhole(t *testing.T) {
	pieces := []string{"a", "Anbar", "é", " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u2003", "x y", "x y z", " x", "x ", "\xff", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var whole strings.Builder
		var c collapser
		for range rng.IntN(10) {
			var piece strings.Builder
			for range 1 + rng.IntN(4) {
				piece.WriteString(pieces[rng.IntN(len(pieces))])
			}
			whole.WriteString(piece.String())
			c.write(piece.String())
		}
		if got, want := c.b.String(), collapseByLines(whole.String()); got != want {
			t.Fatalf("%q written in pieces collapsed to %q, want %q", whole.String(), got, want)
		}
	}
}

func FuzzCollapse(f *testing.F) {
	f.Add("a  b\n\n c\r\n\u00a0d")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapse(s), collapseByLines(s); got != want {
			t.Fatalf("collapse(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkCollapse(b *testing.B) {
	text := strings.Repeat("The airstrike occurred in Anbar province, officials said. ", 40)
	messy := strings.Repeat("The airstrike  occurred\n\n in Anbar\u00a0province. ", 40)
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			collapse(text)
		}
	})
	b.Run("messy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			collapse(messy)
		}
	})
}
