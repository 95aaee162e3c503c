package text

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestTokenizeFollowsTheWordRules(t *testing.T) {
	cases := []struct {
		text string
		want string
	}{
		{"U.S.-led coalition", "u s led coalition"},
		{"Islamic State’s leader", "islamic state leader"},
		{"Rifa'i and al-Rifaï", "rifai and al rifai"},
		{"O'sullivan's", "osullivan"},
		{"Straße", "strasse"},
		{"ISIS, 2025", "isis 2025"},
		{"الإسلاميّة", "الاسلاميه"},
		{"مصطفى", "مصطفي"},
		{"", ""},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range Tokenize(c.text) {
			got = append(got, tk.Norm)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Tokenize(%q) = %q, want %q", c.text, strings.Join(got, " "), c.want)
		}
	}
}

// tokenPieces are what random texts are made of: ASCII words and the
// characters that end them, apostrophes of every kind before an s or
// not, accented and Arabic letters with their marks, tatweel, digits,
// CJK and emoji.
var tokenPieces = []string{"the", "Abu", "Khadija", "Ramadi's", "IS", "s", "S", "2004", "x9", " ", "  ", ".", ",", "-", "\n", "'", "’", "‘", "'s", "’s",
	"é", "e\u0301", "Mosul", "الموصل", "ـ", "\u064e", "ٱ", "ى", "ة", "ß", "ı", "中国", "😀", "ʼ", "\u0301", "don't", "O'Brien"}

// TestTokensAsReadRuneByRune: the shortcut for plain ASCII words gives
// exactly the tokens (words, cases, ranges) reading every word rune by
// rune gives, on 50,000 random texts.
func TestTokensAsReadRuneByRune(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(tokenPieces[rng.IntN(len(tokenPieces))])
		}
		text := b.String()
		if got, want := appendTokens(nil, text, true), appendTokens(nil, text, false); !slices.Equal(got, want) {
			t.Fatalf("%q: %+v, rune by rune %+v", text, got, want)
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, p := range tokenPieces {
		f.Add(p + " " + p + "s")
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := appendTokens(nil, text, true), appendTokens(nil, text, false); !slices.Equal(got, want) {
			t.Fatalf("%q: %+v, rune by rune %+v", text, got, want)
		}
	})
}

func BenchmarkTokenize(b *testing.B) {
	text := strings.Repeat("Coalition troops raided a house in Ramadi on Tuesday, officials said; the suspects' names weren't given. ", 30)
	toks := make([]Token, 0, 1024)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		toks = AppendTokens(toks[:0], text)
	}
}
