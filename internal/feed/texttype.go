package feed

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/atom"
)

// textKind is how an item's text is to be read: as the format declares
// it, which gofeed forgets once it has decoded the document.
type textKind uint8

const (
	asHTML  textKind = iota // RSS descriptions, Atom type="html"/"xhtml", JSON content_html
	asText                  // Atom type="text" (the default), JSON title, summary, content_text
	asGuess                 // RSS titles: text unless it carries real markup, as feedparser decides
)

// itemKinds are the kinds of one item's title, summary and content.
type itemKinds struct{ title, summary, content textKind }

// declaredKinds says how each item of a parsed document declared its
// texts. An Atom entry's title, summary and content say it with their
// type attribute (read from the document itself: the n-th <entry> is the
// n-th item, and entries are guessed at when the counts differ); a JSON
// Feed says it by field name; RSS titles are guessed at and the rest is
// HTML.
func declaredKinds(text []byte, f *gofeed.Feed) []itemKinds {
	out := make([]itemKinds, len(f.Items))
	switch f.FeedType {
	case "json":
		var doc struct {
			Items []struct {
				HTML json.RawMessage `json:"content_html"`
			} `json:"items"`
		}
		json.Unmarshal(text, &doc) // a feed repaired for gofeed may not decode: then content is HTML
		for i := range out {
			out[i] = itemKinds{title: asText, summary: asText}
			if len(doc.Items) == len(out) && (len(doc.Items[i].HTML) == 0 || string(doc.Items[i].HTML) == `""`) {
				out[i].content = asText
			}
		}
	case "atom":
		entries := elementsNamed(text, "entry")
		if len(entries) == 0 {
			entries = elementsNamed(text, "atom:entry")
		}
		for i := range out {
			out[i] = itemKinds{title: asGuess, summary: asGuess, content: asGuess}
			if len(entries) == len(out) {
				e := withoutCDATA(entries[i])
				out[i] = itemKinds{title: atomKind(e, "title"), summary: atomKind(e, "summary"), content: atomKind(e, "content")}
			}
		}
	default:
		for i := range out {
			out[i].title = asGuess
		}
	}
	return out
}

var typeAttr = regexp.MustCompile(`\stype\s*=\s*["']([^"']*)["']`)

// atomKind reads the type of an Atom entry's first element of that name
// (with or without an atom: prefix): text unless it says HTML or XHTML.
// Atom 0.3's "text/html" and "application/xhtml+xml" count as HTML; the
// bytes of another media type (base64 data) are guessed at.
func atomKind(entry []byte, name string) textKind {
	for _, n := range []string{name, "atom:" + name} {
		if es := elementsNamed(entry, n); len(es) > 0 {
			tag := es[0][:bytes.IndexByte(es[0], '>')+1]
			m := typeAttr.FindSubmatch(tag)
			if m == nil {
				return asText
			}
			switch ty := strings.ToLower(string(m[1])); {
			case strings.Contains(ty, "html"):
				return asHTML
			case ty == "text" || strings.HasPrefix(ty, "text/"):
				return asText
			}
			return asGuess // decoded bytes of another media type
		}
	}
	return asText
}

// readAs turns an item's text into what a reader sees, by its kind.
func readAs(s string, k textKind) string {
	switch {
	case k == asHTML, k == asGuess && looksLikeHTML(s):
		return plainText(s)
	case strings.HasPrefix(strings.TrimSpace(s), "<") && looksLikeHTML(s):
		// Declared text that is nothing but HTML ("<p>Item</p>") was
		// escaped twice by its publisher.
		return plainText(s)
	}
	return collapse(strings.Map(dropControl, s))
}

func dropControl(r rune) rune {
	if isControl(r) {
		return -1
	}
	return r
}

var (
	anyTag    = regexp.MustCompile(`</?([A-Za-z][A-Za-z0-9]*)`)
	closeTag  = regexp.MustCompile(`</[A-Za-z][A-Za-z0-9]*\s*>`)
	entityRef = regexp.MustCompile(`&(#?[A-Za-z0-9]+);`)
)

// notProse are known elements that a text carrying real markup never
// holds: a text naming them names a tag.
var notProse = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Applet: true, atom.Iframe: true, atom.Noscript: true,
	atom.Template: true, atom.Head: true, atom.Html: true, atom.Body: true, atom.Frameset: true,
	atom.Frame: true, atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Math: true,
	atom.Title: true, atom.Meta: true, atom.Link: true, atom.Base: true, atom.Dialog: true,
}

// looksLikeHTML is feedparser's test for text that carries markup: it
// closes a tag or uses an entity, every tag it names is an HTML element
// a publisher would send, and every entity is one HTML defines.
func looksLikeHTML(s string) bool {
	if !strings.ContainsAny(s, "<&") || !closeTag.MatchString(s) && !entityRef.MatchString(s) {
		return false
	}
	for _, m := range anyTag.FindAllStringSubmatch(s, -1) {
		if a := atom.Lookup([]byte(strings.ToLower(m[1]))); a == 0 || notProse[a] {
			return false
		}
	}
	for _, m := range entityRef.FindAllString(s, -1) {
		if html.UnescapeString(m) == m {
			return false
		}
	}
	return true
}
