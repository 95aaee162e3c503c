package feed

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags end a line of text: paragraphs and the like become sentences
// of their own.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true,
	"section": true, "article": true, "header": true, "footer": true, "figure": true, "figcaption": true,
	"table": true, "pre": true, "hr": true, "dd": true, "dt": true,
}

var skipTags = map[string]bool{"script": true, "style": true, "noscript": true, "template": true, "iframe": true, "svg": true, "head": true}

// HTMLToText turns an HTML fragment into plain text: entities decoded,
// scripts and styles dropped, block elements on lines of their own, runs of
// white space inside a line made one space. Plain text passes through with
// only its entities decoded.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		raw := string(z.Raw())
		switch tt {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.CommentToken:
			// "<!channel>" is a bogus comment to an HTML parser but text to
			// a reader (and to Slack): keep it, it is escaped on output.
			if skip == 0 && !strings.HasPrefix(raw, "<!--") {
				b.WriteString(html.UnescapeString(raw))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if atom.Lookup(name) == 0 {
				// Not an HTML element ("<https://x|y>", "<Reuters>"): text.
				if skip == 0 {
					b.WriteString(html.UnescapeString(raw))
				}
				continue
			}
			if skipTags[tag] {
				if t := z.Token(); t.Type == html.StartTagToken {
					skip++
				}
				continue
			}
			if blockTags[tag] {
				b.WriteByte('\n')
			} else if tag == "img" {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if atom.Lookup(name) == 0 {
				if skip == 0 {
					b.WriteString(html.UnescapeString(raw))
				}
				continue
			}
			if skipTags[tag] && skip > 0 {
				skip--
				continue
			}
			if blockTags[tag] {
				b.WriteByte('\n')
			}
		}
	}
}

// collapse trims every line, makes runs of spaces one, and drops empty
// lines.
func collapse(s string) string {
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
