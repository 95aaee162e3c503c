package feed

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fpComparer turns a feedparser expectation into the text a reader should
// see, independently of the code under test: it decides the value's
// content type from the document as feedparser does (Atom's type
// attribute, text by default; RSS descriptions and content as HTML; RSS
// titles guessed with feedparser's own rule and element list, read from
// the checkout's sanitizer.py; JSON Feed by field name), and reads HTML
// with golang.org/x/net/html's parser, never with HTMLToText.
type fpComparer struct{ acceptable map[string]bool }

func newFPComparer(t *testing.T, dir string) fpComparer {
	src, err := os.ReadFile(filepath.Join(dir, "feedparser", "sanitizer.py"))
	if err != nil {
		t.Fatalf("feedparser's element list: %v", err)
	}
	i := bytes.Index(src, []byte("acceptable_elements = {"))
	j := bytes.IndexByte(src[i:], '}')
	if i < 0 || j < 0 {
		t.Fatal("feedparser's sanitizer.py has no acceptable_elements")
	}
	c := fpComparer{acceptable: map[string]bool{}}
	for _, m := range regexp.MustCompile(`"([\w-]+)"`).FindAllSubmatch(src[i:i+j], -1) {
		c.acceptable[string(m[1])] = true
	}
	return c
}

// reads is what a reader of the expectation sees.
func (c fpComparer) reads(doc []byte, field, want string) string {
	if c.isHTML(doc, field, want) {
		return textOfHTML(want)
	}
	return want
}

var (
	fpEntry = regexp.MustCompile(`<(?:[\w-]+:)?(?:entry|item)[\s>]`)
	fpType  = regexp.MustCompile(`\stype\s*=\s*["']([^"']*)["']`)
)

// isHTML says whether feedparser typed the first entry's field as HTML.
func (c fpComparer) isHTML(doc []byte, field, want string) bool {
	if t := bytes.TrimSpace(doc); len(t) > 0 && t[0] == '{' {
		return field == "content" && bytes.Contains(doc, []byte(`"content_html"`))
	}
	atom := regexp.MustCompile(`<(?:[\w-]+:)?feed[\s>]`).Match(doc)
	loc := fpEntry.FindIndex(doc)
	if loc == nil {
		return false
	}
	entry := doc[loc[0]:]
	names := map[string][]string{
		"title":       {"title"},
		"summary":     {"summary", "description", "content", "content:encoded", "body", "xhtml:body", "fullitem"},
		"description": {"summary", "description", "content", "content:encoded", "body", "xhtml:body", "fullitem"},
		"content":     {"content", "content:encoded", "body", "xhtml:body", "fullitem", "description", "summary"},
	}[field]
	for _, name := range names {
		tag := regexp.MustCompile(`<(?:atom:|atom03:)?` + regexp.QuoteMeta(name) + `(\s[^>]*)?>`).Find(entry)
		if tag == nil {
			continue
		}
		if m := fpType.FindSubmatch(tag); m != nil {
			switch ty := strings.ToLower(string(m[1])); {
			case strings.Contains(ty, "html"):
				return true
			case ty == "text" || strings.HasPrefix(ty, "text/"):
				return false
			default: // base64 data of a media type: feedparser gives the bytes
				return c.looksLikeHTML(want)
			}
		}
		switch {
		case atom && name != "content:encoded" && name != "body" && name != "fullitem":
			return false
		case name == "title" || name == "summary":
			return c.looksLikeHTML(want)
		default:
			return true
		}
	}
	return false
}

// looksLikeHTML is feedparser's lookslikehtml: a closing tag or an
// entity, only acceptable elements, only defined entities.
func (c fpComparer) looksLikeHTML(s string) bool {
	if !regexp.MustCompile(`</(\w+)>`).MatchString(s) && !regexp.MustCompile(`&#?\w+;`).MatchString(s) {
		return false
	}
	for _, m := range regexp.MustCompile(`</?(\w+)`).FindAllStringSubmatch(s, -1) {
		if !c.acceptable[strings.ToLower(m[1])] {
			return false
		}
	}
	for _, m := range regexp.MustCompile(`&(\w+);`).FindAllString(s, -1) {
		if html.UnescapeString(m) == m {
			return false
		}
	}
	return true
}

// fpBlocks are the elements that separate what they hold from what is
// around them.
var fpBlocks = map[string]bool{"p": true, "div": true, "br": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true, "tr": true, "td": true, "table": true,
	"ul": true, "ol": true, "dd": true, "dt": true, "hr": true, "section": true, "article": true, "figure": true}

// textOfHTML is the text of an HTML fragment, by x/net/html's parser:
// script and style contents left out, blocks apart.
func textOfHTML(s string) string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return s
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" {
				return
			}
			if fpBlocks[n.Data] {
				b.WriteByte(' ')
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
		if n.Type == html.ElementNode && fpBlocks[n.Data] {
			b.WriteByte(' ')
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return b.String()
}
