package feed

import (
	"bytes"
	"fmt"
)

// Limits on a document's shape, checked before it is parsed: gofeed parses
// extension elements recursively (a document nested millions deep
// overflows the stack, which no recover catches) and keeps every element
// in memory (millions of tiny elements take gigabytes).
const (
	MaxDepth    = 256     // elements open at once
	MaxElements = 100_000 // elements in the whole document
	MaxItems    = 10_000  // items kept from one document, newest as listed first
)

// ShapeError is a document beyond a shape limit.
type ShapeError struct{ What string }

func (e *ShapeError) Error() string { return "parse feed: " + e.What }

// checkShape scans an XML document without building anything and fails
// when it nests deeper than MaxDepth or has more than MaxElements
// elements. Comments, CDATA sections, processing instructions and
// declarations are skipped; quoted attribute values may hold '>'. Like
// gofeed's lenient parser it forgives sloppy markup: HTML void elements
// (<br>, <img>) need no end tag, and an end tag closes every element
// opened after its own start tag. JSON documents are left to
// encoding/json, which bounds nesting itself.
func checkShape(body []byte) error {
	if t := bytes.TrimLeft(body, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return nil
	}
	var open [][]byte // names of the elements open, outermost first
	elements := 0
	var err error
	scanMarkup(body, func(m markup) bool {
		switch {
		case m.cut != "":
		case m.end:
			open = closeElement(open, m.name)
		default:
			elements++
			if !m.selfClosing && !isVoid(m.name) {
				open = append(open, m.name)
			}
			if len(open) > MaxDepth {
				err = &ShapeError{fmt.Sprintf("elements nested more than %d deep", MaxDepth)}
			} else if elements > MaxElements {
				err = &ShapeError{fmt.Sprintf("more than %d XML elements", MaxElements)}
			}
		}
		return err == nil
	})
	return err
}

// voidElements are HTML elements that never have an end tag; raw HTML in
// a feed writes them so.
var voidElements = [][]byte{
	[]byte("br"), []byte("hr"), []byte("img"), []byte("input"), []byte("meta"), []byte("link"), []byte("area"),
	[]byte("base"), []byte("col"), []byte("embed"), []byte("param"), []byte("source"), []byte("track"), []byte("wbr"),
}

func isVoid(name []byte) bool {
	if len(name) > 6 {
		return false
	}
	for _, v := range voidElements {
		if bytes.EqualFold(name, v) {
			return true
		}
	}
	return false
}

// closeElement closes name and everything opened inside it; an end tag
// that matches nothing open changes nothing.
func closeElement(open [][]byte, name []byte) [][]byte {
	for k := len(open) - 1; k >= 0; k-- {
		if bytes.Equal(open[k], name) {
			return open[:k]
		}
	}
	return open
}

// tagName is the name that starts at from: up to white space, '/' or '>'.
func tagName(body []byte, from int) []byte {
	j := from
	for j < len(body) {
		switch body[j] {
		case ' ', '\t', '\r', '\n', '/', '>':
			return body[from:j]
		}
		j++
	}
	return body[from:j]
}

// skipPast returns the index just after the next end at or after from, or
// len(body) when there is none.
func skipPast(body []byte, from int, end string) int {
	if from >= len(body) {
		return len(body)
	}
	k := bytes.Index(body[from:], []byte(end))
	if k < 0 {
		return len(body)
	}
	return from + k + len(end)
}

// tagEnd finds the '>' that ends a start tag begun before from, skipping
// quoted attribute values, and whether the tag closes itself ("/>"); ok is
// false when the document ends first.
func tagEnd(body []byte, from int) (end int, selfClosing, ok bool) {
	var quote byte
	for j := from; j < len(body); j++ {
		c := body[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1, j > from && body[j-1] == '/', true
		}
	}
	return len(body), false, false
}

// markup is a start or end tag found by scanMarkup, or the piece of markup
// a document stops inside.
type markup struct {
	at          int // where it starts
	end         bool
	name        []byte
	selfClosing bool
	cut         string // for a piece the document stops inside: cutTag, or "-->" or "]]>", what would close it
}

const cutTag = ">"

// scanMarkup calls visit with each start and end tag of an XML document,
// in order, skipping comments, CDATA sections, processing instructions and
// declarations, until visit returns false. A document that stops inside a
// tag, comment or CDATA section ends with a markup whose cut says so.
// checkShape and closeTruncated read documents through it.
func scanMarkup(body []byte, visit func(markup) bool) {
	for i := 0; i < len(body); {
		lt := bytes.IndexByte(body[i:], '<')
		if lt < 0 {
			return
		}
		i += lt
		rest := body[i:]
		m := markup{at: i}
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")), bytes.HasPrefix(rest, []byte("<![CDATA[")):
			start, closer := "<!--", "-->"
			if rest[2] == '[' {
				start, closer = "<![CDATA[", "]]>"
			}
			k := bytes.Index(rest[len(start):], []byte(closer))
			if k >= 0 {
				i += len(start) + k + len(closer)
				continue
			}
			m.cut = closer
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipPast(body, i+2, "?>")
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			i = skipPast(body, i+2, ">")
			continue
		case bytes.HasPrefix(rest, []byte("</")):
			m.end, m.name = true, tagName(body, i+2)
			if k := bytes.IndexByte(rest, '>'); k >= 0 {
				i += k + 1
			} else {
				m.cut = cutTag
			}
		default:
			var ok bool
			m.name = tagName(body, i+1)
			i, m.selfClosing, ok = tagEnd(body, i+1)
			if !ok {
				m.cut = cutTag
			}
		}
		if !visit(m) || m.cut != "" {
			return
		}
	}
}

// closeTruncated ends a document that stops in the middle: it closes an
// open CDATA section and comment, drops a tag cut in half, and closes the
// elements left open, innermost first. ok is false when nothing was open.
func closeTruncated(body []byte) ([]byte, bool) {
	var open [][]byte
	tail := ""
	end := len(body)
	scanMarkup(body, func(m markup) bool {
		switch {
		case m.cut == cutTag:
			end = m.at // a tag cut in half ("<ite", "</rs"): drop it
		case m.cut != "":
			tail = m.cut // an unclosed comment or CDATA section
		case m.end:
			open = closeElement(open, m.name)
		case !m.selfClosing && !isVoid(m.name):
			open = append(open, m.name)
		}
		return true
	})
	if len(open) == 0 && tail == "" {
		return nil, false
	}
	out := append([]byte{}, body[:end]...)
	out = append(out, tail...)
	for k := len(open) - 1; k >= 0; k-- {
		out = append(append(append(out, "</"...), open[k]...), '>')
	}
	return out, true
}
