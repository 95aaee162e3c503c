package article

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FromText reads a plain-text article: the first non-empty line is the
// title, the rest is the body (Content).
func FromText(s string) Article {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		return Article{
			Title:   strings.TrimSpace(l),
			Content: strings.TrimSpace(strings.Join(lines[i+1:], "\n")),
		}
	}
	return Article{}
}

// How much of an article is kept, stored and matched: a title of MaxTitle
// bytes, and the first MaxText bytes of its summary and of its text. Real
// articles fit; a hostile one cannot make matching or storage unbounded.
const (
	MaxTitle = 2 << 10
	MaxText  = 100 << 10
)

// Clip cuts s to at most n bytes, at a character boundary.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// MadeUpTitleLen is about how long a headline made from an item's text
// is, in characters.
const MadeUpTitleLen = 120

// MadeUpTitle makes a headline for an item its feed gave none (a Mastodon
// or micro.blog post): the first sentence of its text, cut at a word near
// MadeUpTitleLen characters with "…" when longer. A period after a single
// letter (U.S.) or a word of three letters or fewer that starts with a
// capital (Gen., Nov.) does not end the sentence.
func MadeUpTitle(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	words := strings.Fields(line)
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(w) > MadeUpTitleLen {
				return b.String() + "…"
			}
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if endsSentence(w) && i+1 < len(words) {
			return b.String()
		}
	}
	if r := []rune(b.String()); len(r) > MadeUpTitleLen { // one word longer than a headline
		return string(r[:MadeUpTitleLen]) + "…"
	}
	return b.String()
}

func endsSentence(w string) bool {
	w = strings.TrimRight(w, `"')]”’»`)
	if !strings.HasSuffix(w, ".") {
		return strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?")
	}
	core := strings.TrimSuffix(w, ".")
	r, _ := utf8.DecodeRuneInString(core)
	n := utf8.RuneCountInString(core)
	return !(n <= 1 || strings.Contains(core, ".") || n <= 3 && unicode.IsUpper(r))
}

// LeadLen is how many characters of an article's summary (else text)
// are its lead: what tells its story apart.
const LeadLen = 400

// CutRunes is s cut after n characters, as a slice of s.
func CutRunes(s string, n int) string {
	k := 0
	for i := range s {
		if k == n {
			return s[:i]
		}
		k++
	}
	return s
}
