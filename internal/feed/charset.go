package feed

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/wlynxg/chardet"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

var xmlDeclEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']`)

// toUTF8 turns a body into UTF-8 for the XML parser, trusting the bytes
// where a label is provably wrong, as the real web needs:
//
//   - a byte-order mark decides (UTF-8, UTF-16 and UTF-32, either order),
//     and without one a first "<" written in UTF-16 or UTF-32;
//   - valid UTF-8 with multi-byte characters is UTF-8, whatever a label says
//     (a UTF-8 feed served as ISO-8859-1 is common);
//   - otherwise the XML declaration's encoding, else Content-Type's charset;
//     ISO-8859-1 and US-ASCII are read as Windows-1252, their superset
//     that servers mean (smart quotes in 0x80–0x9F);
//   - no usable label and bytes that are not UTF-8: Windows-1252, the
//     likeliest; a UTF-8 label with a stray bad byte keeps the label.
//
// The declaration is then rewritten to say UTF-8, so nothing decodes it
// twice. Invalid bytes become U+FFFD and control characters XML forbids
// are dropped, so one bad byte does not lose the feed.
func toUTF8(body []byte, contentType string) []byte {
	body, fromBOM := decodeBOM(body)
	if !fromBOM {
		body = decodeLabelled(body, declaredEncoding(body), contentTypeCharset(contentType))
	}
	body = declareUTF8(body)
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if !hasControl(body) {
		return body // the usual case: no copy
	}
	return bytes.Map(func(r rune) rune {
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return -1
		case r >= 0x80 && r <= 0x9F:
			// C1 controls are never text: they are Windows-1252 bytes
			// carried over as Latin-1 ("don\u0092t" is "don’t").
			if c := charmap.Windows1252.DecodeByte(byte(r)); c >= 0xA0 && c != utf8.RuneError {
				return c
			}
			return -1
		}
		return r
	}, body)
}

// decodeBOM decodes a body that starts with a byte-order mark, or whose
// first character is a UTF-16 or UTF-32 "<".
func decodeBOM(body []byte) ([]byte, bool) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(body, []byte{0x00, 0x00, 0xFE, 0xFF}):
		enc = utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE, 0x00, 0x00}):
		enc = utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return body[3:], true
	// No mark: the first "<" of the document tells the width and order
	// (XML 1.0, appendix F).
	case bytes.HasPrefix(body, []byte{0x00, 0x00, 0x00, '<'}):
		enc = utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case bytes.HasPrefix(body, []byte{'<', 0x00, 0x00, 0x00}):
		enc = utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case bytes.HasPrefix(body, []byte{0x00, '<', 0x00}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case bytes.HasPrefix(body, []byte{'<', 0x00}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	default:
		return body, false
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body, false
	}
	return out, true
}

func declaredEncoding(body []byte) string {
	if m := xmlDeclEncoding.FindSubmatch(body[:min(len(body), 512)]); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

func contentTypeCharset(contentType string) string {
	_, params, ok := strings.Cut(contentType, "charset=")
	if !ok {
		return ""
	}
	return strings.Trim(strings.TrimSpace(strings.SplitN(params, ";", 2)[0]), `"'`)
}

// decodeLabelled decodes body by the first usable label, unless the bytes
// prove it wrong.
func decodeLabelled(body []byte, labels ...string) []byte {
	if utf8.Valid(body) && hasMultiByte(body) {
		return body // only UTF-8 looks like this; a label saying otherwise is wrong
	}
	var enc encoding.Encoding
	utf8Label := false
	for _, l := range labels {
		if l == "" {
			continue
		}
		if isUTF8Label(l) {
			utf8Label = true
			break
		}
		if e, name := charset.Lookup(l); e != nil {
			enc = e
			if name == "windows-1252" || strings.EqualFold(l, "iso-8859-1") || strings.EqualFold(l, "latin1") {
				enc = charmap.Windows1252
			}
			break
		}
	}
	switch {
	case enc == nil && (utf8Label || utf8.Valid(body)):
		return body
	case enc == nil:
		enc = detect(body) // no usable label and not UTF-8
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// detect guesses the encoding of a body that names none and is not
// UTF-8, with chardet (a port of the detector browsers and feedparser
// use): a multi-byte East Asian encoding (EUC-KR, EUC-JP, Shift_JIS,
// GB18030, Big5) or a Cyrillic, Greek or Hebrew one when the detector is
// confident of it, else Windows-1252, the likeliest for the rest.
func detect(body []byte) encoding.Encoding {
	r := chardet.Detect(body[:min(len(body), 64<<10)])
	if r.Confidence >= 0.7 && !strings.Contains(strings.ToLower(r.Encoding), "8859-1") && !strings.EqualFold(r.Encoding, "windows-1252") {
		if e, _ := charset.Lookup(r.Encoding); e != nil {
			return e
		}
	}
	return charmap.Windows1252
}

// hasControl reports a control character toUTF8 drops or maps: below
// 0x20 but tab and line breaks, or a C1 control (U+0080–U+009F, 0xC2
// 0x80–0x9F in UTF-8).
func hasControl(b []byte) bool {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xC2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9F {
			return true
		}
	}
	return false
}

func hasMultiByte(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func isUTF8Label(l string) bool {
	l = strings.ToLower(l)
	return l == "utf-8" || l == "utf8"
}

// declareUTF8 rewrites the XML declaration's encoding to UTF-8, which the
// body now is.
func declareUTF8(body []byte) []byte {
	m := xmlDeclEncoding.FindSubmatchIndex(body[:min(len(body), 512)])
	if m == nil || string(body[m[2]:m[3]]) == "UTF-8" { // declared as it would be: no copy of the body
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:m[2]]...)
	out = append(out, "UTF-8"...)
	return append(out, body[m[3]:]...)
}

// mojibakeMarks start the usual UTF-8-read-as-Windows-1252 sequences:
// "â€™" for "’", "Ã©" for "é", "Â " for a no-break space.
var mojibakeMarks = []string{"â€", "Ã", "Â"}

// repairDoubleEncoded undoes UTF-8 that was read as Windows-1252 and
// encoded again ("â€¦" for "…"), as feedparser does: only when every
// character of s has a Windows-1252 byte and those bytes are valid UTF-8
// with multi-byte characters, so a text that really says "Ã" (São Paulo
// written in Latin-1, a word in Portuguese) is never touched.
func repairDoubleEncoded(s string) string {
	marked := false
	for _, m := range mojibakeMarks {
		marked = marked || strings.Contains(s, m)
	}
	if !marked {
		return s
	}
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil || !utf8.Valid(b) || !hasMultiByte(b) {
		return s
	}
	return string(b)
}
