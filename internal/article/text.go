package article

import "strings"

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
