package feed

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// simpleTags are the elements a feed's HTML is mostly made of whose
// reading needs no tokenizer: known to every reader, never holding raw
// text (script, style, title, textarea…), never hiding or quoting what
// follows (skipTags, proseTag), never a caption.
var simpleTags = func() map[string]atom.Atom {
	m := map[string]atom.Atom{}
	for _, a := range []atom.Atom{atom.P, atom.Br, atom.Div, atom.Span, atom.A, atom.B, atom.I, atom.Em, atom.Strong,
		atom.U, atom.S, atom.Small, atom.Sub, atom.Sup, atom.Ul, atom.Ol, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4,
		atom.H5, atom.H6, atom.Blockquote, atom.Hr, atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td,
		atom.Th, atom.Dl, atom.Dt, atom.Dd, atom.Pre, atom.Code, atom.Cite, atom.Q, atom.Abbr, atom.Section,
		atom.Article, atom.Header, atom.Footer, atom.Figure, atom.Main, atom.Nav, atom.Aside, atom.Address,
		atom.Font, atom.Center, atom.Img, atom.Time, atom.Mark, atom.Del, atom.Ins} {
		m[a.String()] = a
	}
	return m
}()

// simpleHTMLToText is HTMLToText for the markup most feeds carry — only
// simpleTags, with plain attributes — read in one pass without the
// tokenizer (which allocates 4 KB for every text, most of them far
// shorter). ok is false for anything else: a comment, a doctype, another
// element, an attribute it cannot read at a glance, a '<' that is not a
// tag's; the tokenizer reads those. TestSimpleMarkupReadsAsTheTokenizerReadsIt
// and FuzzSimpleMarkup hold the two readings to one.
func simpleHTMLToText(s string) (text string, ok bool) {
	var c collapser // collapsed as it is read: one copy of the text
	c.b.Grow(len(s))
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			lt = len(s) - i
		}
		writeText(&c, s[i:i+lt])
		if i += lt; i == len(s) {
			break
		}
		tag, end, ok := simpleTag(s, i)
		if !ok {
			return "", false
		}
		switch {
		case blockTags[tag]:
			c.write("\n")
		case tag == atom.Img:
			c.write(" ")
		}
		i = end
	}
	return c.b.String(), true
}

// writeText writes a run of text as the tokenizer gives it, entities
// decoded (its \r\n and \r made \n by the tokenizer are line breaks to
// collapse already).
func writeText(c *collapser, t string) {
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	c.write(t)
}

// simpleTag reads the tag at s[i] ('<'): a start, end or self-closing tag
// of a simpleTags element whose attributes are name, name=value, name="…"
// or name='…'. It returns the element and where the tag ends.
func simpleTag(s string, i int) (atom.Atom, int, bool) {
	j := i + 1
	if j < len(s) && s[j] == '/' {
		j++
	}
	start := j
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	if j == start || j == len(s) || !strings.ContainsRune(" \t\n/>", rune(s[j])) { // "<a_0>" is not an a
		return 0, 0, false
	}
	tag, known := simpleTags[strings.ToLower(s[start:j])]
	if !known {
		return 0, 0, false
	}
	for j < len(s) {
		switch c := s[j]; {
		case c == '>':
			return tag, j + 1, true
		case c == '/' && j+1 < len(s) && s[j+1] == '>':
			return tag, j + 2, true
		case c == ' ' || c == '\t' || c == '\n':
			j++
		default:
			var ok bool
			if j, ok = simpleAttr(s, j); !ok {
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

// simpleAttr reads one attribute at s[j], which is not a space, '>' or
// "/>", and returns where it ends.
func simpleAttr(s string, j int) (int, bool) {
	start := j
	for j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == ':') {
		j++
	}
	if j == start || j == len(s) {
		return 0, false
	}
	if s[j] != '=' {
		return j, s[j] == ' ' || s[j] == '>' || s[j] == '/' && j+1 < len(s) && s[j+1] == '>'
	}
	j++
	if j == len(s) {
		return 0, false
	}
	if q := s[j]; q == '"' || q == '\'' {
		end := strings.IndexByte(s[j+1:], q)
		if end < 0 {
			return 0, false
		}
		j += end + 2
	} else {
		start := j
		for j < len(s) && s[j] != ' ' && s[j] != '>' && !strings.ContainsRune("\"'=<`/\t\n\r\f", rune(s[j])) {
			j++
		}
		if j == start || j == len(s) {
			return 0, false
		}
	}
	if j < len(s) && (s[j] == ' ' || s[j] == '>' || s[j] == '/' && j+1 < len(s) && s[j+1] == '>') {
		return j, true
	}
	return 0, false
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
