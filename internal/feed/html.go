package feed

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags end a line of text: paragraphs and the like become sentences
// of their own.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Figure: true, atom.Figcaption: true,
	atom.Table: true, atom.Pre: true, atom.Hr: true, atom.Dd: true, atom.Dt: true, atom.Td: true, atom.Th: true,
	atom.Caption: true, atom.Dl: true, atom.Nav: true, atom.Aside: true, atom.Main: true, atom.Details: true,
	atom.Summary: true, atom.Address: true, atom.Fieldset: true, atom.Legend: true,
}

// skipTags hold no readable text.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true, atom.Head: true,
}

// proseTag are elements whose name a text may mention ("the <dialog>
// element"): those that hide what follows them, or that no publisher
// leaves open. Elements commonly left open (<p>, <li>, <b>, <html>) are
// always markup.
var proseTag = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Applet: true, atom.Iframe: true, atom.Noscript: true,
	atom.Template: true, atom.Svg: true, atom.Math: true, atom.Dialog: true, atom.Object: true,
	atom.Canvas: true, atom.Video: true, atom.Audio: true, atom.Textarea: true, atom.Select: true,
	atom.Button: true, atom.Form: true, atom.Frameset: true, atom.Slot: true, atom.Picture: true,
}

// HTMLToText turns an HTML fragment into plain text: entities decoded,
// scripts and styles dropped, block elements on lines of their own, runs of
// white space inside a line made one space. Text that only looks like markup
// ("<!channel>", "<https://x|y>") is kept as text: it is escaped on output.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	if t, ok := simpleHTMLToText(s); ok {
		return t
	}
	return tokenizedToText(s)
}

// tokenizedToText is HTMLToText, reading s with the HTML tokenizer.
func tokenizedToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	closed := (&closings{s: s}).has
	var body, captions strings.Builder // a caption is read after the text, never into its lead
	body.Grow(len(s))
	b, skip := &body, 0 // skip: the depth inside skipTags
	text := func(t string) {
		if skip == 0 {
			b.WriteString(t)
		}
	}
	for {
		tt := z.Next()
		if tt == html.TextToken { // most of a document: written from the tokenizer's buffer, not copied twice
			if skip == 0 {
				b.Write(z.Text())
			}
			continue
		}
		raw := string(z.Raw()) // before TagName, which lower-cases the buffer
		switch tt {
		case html.ErrorToken:
			return withCaptions(body.String(), captions.String())
		case html.CommentToken:
			// A bogus comment such as "<!channel>" is text to a reader.
			if !strings.HasPrefix(raw, "<!--") {
				text(html.UnescapeString(raw))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := atom.Lookup(name)
			switch {
			case tag == 0 && (isMarkup(string(name)) || tt == html.SelfClosingTagToken || closed(string(name))):
				// A namespaced or custom element (<o:p>, <fb:like>,
				// <amp-img>, MathML's <mrow>), or any element closed
				// like one (<multicol>…</multicol>, <x/>): its markup
				// goes, its text stays.
			case tag == 0: // not an element: "<https://x|y>", "<Reuters>"
				text(html.UnescapeString(raw))
			case tt == html.StartTagToken && proseTag[tag] && raw == "<"+string(name)+">" && !closed(string(name)):
				// "Why the <script> tag matters": an element named in
				// prose, bare and never closed, is a word of the text.
				text(raw)
			case skipTags[tag] && tt == html.StartTagToken && closed(string(name)):
				skip++ // one never closed hides nothing
			case skipTags[tag] && tt == html.EndTagToken:
				skip = max(skip-1, 0)
			case tag == atom.Figcaption:
				b = map[bool]*strings.Builder{true: &captions, false: &body}[tt == html.StartTagToken]
				b.WriteByte('\n')
			case blockTags[tag]:
				b.WriteByte('\n')
			case tag == atom.Img:
				b.WriteByte(' ')
			}
		}
	}
}

// withCaptions is the text, then its captions on lines of their own,
// collapsed (text with none is not copied to add nothing).
func withCaptions(body, captions string) string {
	if captions == "" {
		return collapse(body)
	}
	return collapse(body + "\n" + captions)
}

// closings answers whether a text closes an element anywhere, lower-casing
// the text once, when an unknown or prose tag first needs it.
type closings struct{ s, lower string }

func (c *closings) has(name string) bool {
	if c.lower == "" {
		c.lower = strings.ToLower(c.s)
	}
	return strings.Contains(c.lower, "</"+name+">") || strings.Contains(c.lower, "</"+name+" ")
}

var closingTag = regexp.MustCompile(`</([A-Za-z][\w:.-]*)\s*>`)

// plainText is HTMLToText, and once more when what it gives is itself
// HTML: text that starts with a tag and closes one ("<p>Item</p>",
// "<div class="md"><p>…</p></div>") was escaped twice by its feed. A tag
// named in the middle of prose ("the <blink> tag") stays.
func plainText(s string) string {
	t := HTMLToText(s)
	if strings.HasPrefix(t, "<") && closingTag.MatchString(t) {
		return HTMLToText(t)
	}
	return t
}

// collapse trims every line, makes runs of spaces one, and drops empty
// lines.
func collapse(s string) string {
	if collapsed(s) {
		return s // most feed text: nothing to copy
	}
	var c collapser
	c.b.Grow(len(s))
	c.write(s)
	return c.b.String()
}

// collapser is collapse written to piece by piece: what it holds is
// collapse of everything written, in order (a word may go on across
// pieces; a piece never splits a character).
type collapser struct {
	b                       strings.Builder
	started, space, newline bool // a word written on this line; a space or a line break before the next word
}

func (c *collapser) write(s string) {
	for i := 0; i < len(s); {
		if j := plainRun(s, i); j > i { // words of ASCII one space apart, as most feed text is: copied whole
			c.separate()
			c.b.WriteString(s[i:j])
			c.started, c.space, c.newline = true, false, false
			i = j
			continue
		}
		r, size := spaceAt(s, i)
		switch {
		case r == '\n' || r == '\r':
			c.newline = c.newline || c.started
			c.started, c.space = false, false
		case size > 0: // \u00a0 and the other spaces
			c.space = c.started
		default: // a word: up to the next space, as it was (invalid bytes too)
			end := i + 1
			for end < len(s) {
				if ch := s[end]; ch < utf8.RuneSelf {
					if asciiSpace[ch] {
						break
					}
				} else if _, n := spaceAt(s, end); n > 0 {
					break
				}
				end++
			}
			c.separate()
			c.b.WriteString(s[i:end])
			c.started, c.space, c.newline = true, false, false
			i = end
			continue
		}
		i += size
	}
}

// separate writes what comes before a word: a line break or a space, if
// one was read since the last word.
func (c *collapser) separate() {
	if c.newline {
		c.b.WriteByte('\n')
	} else if c.space {
		c.b.WriteByte(' ')
	}
}

// plainRun returns the end of the words of ASCII from s[i] on that are
// one space apart, the last space excluded: they collapse to themselves.
// It returns i when s[i] starts no such word.
func plainRun(s string, i int) int {
	end := i
	for j := i; j < len(s); j++ {
		switch ch := s[j]; {
		case ch >= utf8.RuneSelf || asciiSpace[ch] && ch != ' ':
			return end
		case ch == ' ':
			if j == i || s[j-1] == ' ' {
				return end
			}
		default:
			end = j + 1
		}
	}
	return end
}

// asciiSpace are the ASCII characters strings.Fields splits at.
var asciiSpace = [utf8.RuneSelf]bool{' ': true, '\n': true, '\r': true, '\t': true, '\v': true, '\f': true}

// spaceAt returns the space (a line break included) that starts at s[i]
// and its length in bytes; 0 when none does.
func spaceAt(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		if asciiSpace[c] {
			return rune(c), 1
		}
		return 0, 0
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if unicode.IsSpace(r) {
		return r, size
	}
	return 0, 0
}

// collapsed reports whether collapse would return s as it is: no space
// or line break at either end or next to another, and only plain spaces
// and \n.
func collapsed(s string) bool {
	prev := byte('\n') // as if a line break came before: a leading one is not collapsed
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\n':
			if prev == ' ' || prev == '\n' {
				return false
			}
		case c == '\t' || c == '\r' || c == '\v' || c == '\f':
			return false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			i += size - 1
		}
		prev = c
	}
	return prev != ' ' && prev != '\n' || s == ""
}

// markupName is the name of an element of another vocabulary: a prefix
// and a name (o:p, st1:place, fb:like), or a custom element (amp-img,
// lite-youtube).
var markupName = regexp.MustCompile(`^[a-z][a-z0-9]*([:-][a-z0-9][a-z0-9.-]*)+$`)

// mathML are MathML's elements, which HTML does not know by name.
var mathML = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`math mrow mi mo mn ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle
	merror mpadded mphantom mfenced menclose munder mover munderover mtable mtr mtd mlabeledtr semantics annotation annotation-xml`) {
		mathML[m] = true
	}
}

func isMarkup(name string) bool { return markupName.MatchString(name) || mathML[name] }
