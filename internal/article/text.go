package article

import (
	"strings"
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
