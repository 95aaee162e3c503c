package rules

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentences splits text at sentence ends and line breaks, returning byte
// ranges with surrounding space trimmed. A period after a single letter
// (U.S.) or a common abbreviation (Gen., Nov.) does not end a sentence.
func sentences(text string) [][2]int {
	var out [][2]int
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
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			add(i)
			start = i + 1
			continue
		}
		if c != '.' && c != '!' && c != '?' {
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

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// titles are abbreviations a period does not end a sentence after:
// titles and ranks, months, and a few others news copy uses.
var titles = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`mr mrs ms dr prof rev gen lt col sgt st maj capt adm cmdr brig cpl pvt gov sen rep
		pres jr sr no nos vs fig vol inc corp co ltd dept est approx mt ft jan feb mar apr jun jul aug sep sept oct nov dec`) {
		titles[w] = true
	}
}

// boilerplate are lines publishers add to every item: WordPress's "The
// post … appeared first on …", "Continue reading", "Read more", Hacker
// News's "Article URL:", "Comments URL:", "Points:", "# Comments:".
var boilerplate = regexp.MustCompile(`(?i)^\s*(the post .* appeared first on .*|(continue reading|read more|keep reading|read the full (story|article))\b.{0,80}|(article url|comments url|points|# comments):.*)$`)

// quotable says which sentences a snippet may quote: not those on a line
// of publisher boilerplate, of hashtags only (a Mastodon post's "#Iraq
// #Anbar"), or that repeats the headline (Google News lists its own
// headline first). They are matched like the rest, never quoted.
func quotable(text, title string, sents [][2]int) []bool {
	out := make([]bool, len(sents))
	head := nextWord(title, 0) < len(title) // the headline has words
	// the line of the last sentence seen, one pass over the text
	from, to, fine := 0, -1, true
	for i, s := range sents {
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
		out[i] = fine
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

func abbreviation(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) })
	word := before[i+1:]
	return utf8.RuneCountInString(word) == 1 || titles[strings.ToLower(word)]
}
