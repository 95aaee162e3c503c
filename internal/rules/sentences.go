package rules

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentences splits text at sentence ends and line breaks, returning byte
// ranges with surrounding space trimmed. A period after a single letter
// (U.S.) or a common abbreviation (Gen., Nov.) does not end a sentence.
func sentences(text string) [][2]int { return appendSentences(nil, text) }

// appendSentences is sentences, appended to out.
func appendSentences(out [][2]int, text string) [][2]int {
	start := 0
	add := func(end int) {
		s, e := start, end
		for s < e && isSpaceByte(text[s]) {
			s++
		}
		for e > s && isSpaceByte(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, [2]int{s, e})
		}
	}
	ends := stops{at: [len(stopBytes)]int{-1, -1, -1, -1}}
	for i := ends.next(text, 0); i < len(text); i = ends.next(text, i+1) {
		c := text[i]
		if c == '\n' {
			add(i)
			start = i + 1
			continue
		}
		// The sentence ends after any closing quotes or brackets.
		end := i + 1
		for end < len(text) {
			r, sz := utf8.DecodeRuneInString(text[end:])
			if !strings.ContainsRune(`"')]”’»`, r) {
				break
			}
			end += sz
		}
		if end < len(text) && isSpaceByte(text[end]) {
			if c == '.' && abbreviation(text[start:i]) {
				continue
			}
			add(end)
			start = end
		}
	}
	add(len(text))
	return out
}

// stopBytes are the bytes a sentence may end at.
const stopBytes = ".!?\n"

// stops finds the next of stopBytes in a text: each is searched for on
// its own by strings.IndexByte, which reads many bytes an instruction,
// and its place kept until passed. Reading the text a byte at a time had
// been most of splitting it: a 3 KB article's summary and text 5.9 → 2.6
// µs (with the abbreviations' fast path, 1.5), and an article that
// matches 7 rules at 100,000 is split once.
type stops struct {
	at [len(stopBytes)]int // where each is next, at or after the last search; -1 before the first
}

// next is where the first of stopBytes at or after i is, or len(text).
func (s *stops) next(text string, i int) int {
	first := len(text)
	for k, at := range s.at {
		if at < i {
			at = len(text) // none left
			if n := strings.IndexByte(text[i:], stopBytes[k]); n >= 0 {
				at = i + n
			}
			s.at[k] = at
		}
		first = min(first, at)
	}
	return first
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// titles are abbreviations a period does not end a sentence after:
// titles and ranks, months, and a few others news copy uses.
var titles = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`mr mrs ms dr prof rev gen lt col sgt st maj capt adm cmdr brig cpl pvt gov sen rep
		pres jr sr no nos vs fig vol inc corp co ltd dept est approx mt ft jan feb mar apr jun jul aug sep sept oct nov dec`) {
		titles[w] = true
		if len(w) > maxTitle {
			panic("rules: title " + w + " is longer than maxTitle")
		}
	}
}

// maxTitle is the longest of titles, in bytes.
const maxTitle = 6

// boilerplate are lines publishers add to every item: WordPress's "The
// post … appeared first on …", "Continue reading", "Read more", Hacker
// News's "Article URL:", "Comments URL:", "Points:", "# Comments:".
var boilerplate = regexp.MustCompile(`(?i)^\s*(the post .* appeared first on .*|(continue reading|read more|keep reading|read the full (story|article))\b.{0,80}|(article url|comments url|points|# comments):.*)$`)

// quotable says which sentences a snippet may quote: not those on a line
// of publisher boilerplate, of hashtags only (a Mastodon post's "#Iraq
// #Anbar"), or that repeats the headline (Google News lists its own
// headline first). They are matched like the rest, never quoted.
func quotable(text, title string, sents [][2]int) []bool {
	return appendQuotable(nil, text, title, sents)
}

// appendQuotable is quotable, appended to out.
func appendQuotable(out []bool, text, title string, sents [][2]int) []bool {
	out = slices.Grow(out, len(sents))
	head := nextWord(title, 0) < len(title) // the headline has words
	// the line of the last sentence seen, one pass over the text
	from, to, fine := 0, -1, true
	for _, s := range sents {
		for s[0] > to {
			if to >= 0 {
				from = to + 1
			}
			to = len(text)
			if n := strings.IndexByte(text[from:], '\n'); n >= 0 {
				to = from + n
			}
			line := text[from:to]
			fine = len(line) > 600 || !boilerplate.MatchString(line) && !hashtags.MatchString(line) &&
				(!head || !sameWords(line, title))
		}
		out = append(out, fine)
	}
	return out
}

var hashtags = regexp.MustCompile(`^\s*(#\S+\s*)+$`)

// sameWords reports whether a and b are the same words, lower-cased, in
// the same order, whatever stands between them: every line of a text is
// compared with the headline, and splitting each into words (a slice and
// a string each time) had been most of judging a text's sentences.
func sameWords(a, b string) bool {
	i, j := 0, 0
	for {
		i, j = nextWord(a, i), nextWord(b, j)
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		for { // one word of each, character by character
			ra, na := lowerAt(a, i)
			rb, nb := lowerAt(b, j)
			ina, inb := na > 0 && isWordChar(ra), nb > 0 && isWordChar(rb)
			if ina != inb || ina && ra != rb {
				return false
			}
			if !ina {
				break
			}
			i, j = i+na, j+nb
		}
	}
}

// nextWord is where the first word of s at or after i starts, or len(s).
func nextWord(s string, i int) int {
	for i < len(s) {
		r, n := lowerAt(s, i)
		if isWordChar(r) {
			return i
		}
		i += n
	}
	return i
}

// lowerAt is the character at s[i], lower-cased, and its length; 0, 0 at
// the end. An invalid byte is U+FFFD, as strings.ToLower makes it.
func lowerAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return 0, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c), 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return unicode.ToLower(r), n
}

func isWordChar(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// abbreviation reports whether the word that before ends with is one
// letter or one of titles: a period after it does not end a sentence.
// Most words are ASCII letters, looked up from a small array; others as
// characters.
func abbreviation(before string) bool {
	i := len(before)
	for i > 0 && isASCIILetter(before[i-1]) {
		i--
	}
	if i > 0 && before[i-1] >= utf8.RuneSelf { // the word may go on in other letters
		return abbreviationRunes(before)
	}
	word := before[i:]
	if len(word) == 1 {
		return true
	}
	var low [maxTitle]byte
	if len(word) > len(low) {
		return false
	}
	for j := range len(word) {
		low[j] = word[j] | 0x20 // lower-case, for an ASCII letter
	}
	return titles[string(low[:len(word)])]
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// abbreviationRunes is abbreviation for a word of any letters.
func abbreviationRunes(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) })
	word := before[i+1:]
	return utf8.RuneCountInString(word) == 1 || titles[strings.ToLower(word)]
}

// sentences returns field f's sentence ranges, split once per document.
func (d *Document) sentences(f int) [][2]int {
	if d.split&(1<<f) == 0 {
		d.split |= 1 << f
		d.sents[f] = appendSentences(d.sents[f][:0], d.text[f])
	}
	return d.sents[f]
}

// windowRunes is how many characters field f holds from the start of
// its sentence i to the end of its sentence j, counted once per document:
// every match explained in it weighs its two-sentence windows. A field
// of ASCII has as many as it has bytes (asciiOnly, told at 8 bytes a
// step, costs half of counting them).
func (d *Document) windowRunes(f, i, j int) int {
	if d.counted&(1<<f) == 0 {
		d.counted |= 1 << f
		text, sents := d.text[f], d.sentences(f)
		d.ascii &^= 1 << f
		if asciiOnly(text) {
			d.ascii |= 1 << f
		} else {
			at := slices.Grow(d.runes[f][:0], len(sents))[:len(sents)] // characters before each sentence's start and end
			n, pos := 0, 0
			for k, s := range sents {
				n += utf8.RuneCountInString(text[pos:s[0]])
				at[k][0] = int32(n)
				n += utf8.RuneCountInString(text[s[0]:s[1]])
				at[k][1] = int32(n)
				pos = s[1]
			}
			d.runes[f] = at
		}
	}
	if d.ascii&(1<<f) != 0 {
		return d.sents[f][j][1] - d.sents[f][i][0]
	}
	return int(d.runes[f][j][1] - d.runes[f][i][0])
}

// asciiOnly reports whether s is ASCII, reading 8 bytes a step.
func asciiOnly(s string) bool {
	var or uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		or |= uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	}
	for ; i < len(s); i++ {
		or |= uint64(s[i])
	}
	return or&0x8080808080808080 == 0
}

// quotable says which of field f's sentences a snippet may quote
// (quotable), judged once per document: every match explained in it asks.
func (d *Document) quotable(f int) []bool {
	if d.judged&(1<<f) == 0 {
		d.judged |= 1 << f
		d.quot[f] = appendQuotable(d.quot[f][:0], d.text[f], d.text[fieldTitle], d.sentences(f))
	}
	return d.quot[f]
}
