// Package text splits text into words the way feedwatch's query language
// defines them (README, "The query language"): runs of letters and digits, accents folded,
// possessives and inner apostrophes dropped, Arabic normalised. It is a
// leaf shared by the matcher and the story detector.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token is one word of a text.
type Token struct {
	Norm       string // folded and lower-cased: what case-insensitive terms compare
	Cased      string // folded, case kept: what case: terms compare
	Start, End int    // byte range in the original text
}

// Tokenize splits text into words: maximal runs of letters, digits and
// combining marks. A possessive 's / ’s is dropped, any other apostrophe
// inside a word is removed, every other character separates words.
func Tokenize(text string) []Token {
	return AppendTokens(make([]Token, 0, len(text)/6+1), text) // about one word in six bytes of news text: one allocation
}

// AppendTokens is Tokenize appending to toks: a caller that reuses its
// slice allocates nothing for plain words.
func AppendTokens(toks []Token, text string) []Token { return appendTokens(toks, text, true) }

// appendTokens is AppendTokens; without asciiWords, every word is read
// rune by rune (what the shortcut is held to).
func appendTokens(toks []Token, text string, asciiWords bool) []Token {
	var buf []byte // the current word, reused: plain words never need it
	i := 0
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf { // most of news text: a byte is a character
			if !asciiWord[c] {
				i++
				continue
			}
			if j := asciiRun(text, i); asciiWords && (j == len(text) || text[j] < utf8.RuneSelf && text[j] != '\'') {
				// ASCII letters and digits ended by neither a letter nor an
				// apostrophe: the word is the text itself, as the general
				// reading below finds it (TestTokensAsReadRuneByRune).
				toks = append(toks, Token{Norm: lower(text[i:j]), Cased: text[i:j], Start: i, End: j})
				i = j
				continue
			}
		}
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += sz
			continue
		}
		start := i
		buf = buf[:0]
		end := i
		plain := true // ASCII with nothing dropped: the token is text[start:end]
		for i < len(text) {
			r, sz = utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				if r >= utf8.RuneSelf {
					plain = false
				}
				buf = utf8.AppendRune(buf, r)
				i += sz
				end = i
				continue
			}
			if !isApostrophe(r) {
				break
			}
			var ends bool
			if i, end, ends = apostrophe(text, i, sz, end); ends {
				break
			}
			plain = false
		}
		var cased string
		if plain && end-start == len(buf) {
			cased = text[start:end] // no copy: most words of news text
		} else {
			cased = fold(string(buf))
		}
		if cased == "" {
			continue // only marks or tatweel
		}
		toks = append(toks, Token{Norm: lower(cased), Cased: cased, Start: start, End: end})
	}
	return toks
}

// apostrophe reads the apostrophe of sz bytes at text[i], inside a word
// that ends at end so far: it ends the word (ends) when no word character
// follows it, or when it is a possessive 's / ’s — whose range the word
// then covers; otherwise it is dropped and the word goes on. It returns
// where reading goes on and where the word ends.
func apostrophe(text string, i, sz, end int) (next, wordEnd int, ends bool) {
	r, nsz := utf8.DecodeRuneInString(text[i+sz:])
	if i+sz >= len(text) || !isWordRune(r) {
		return i, end, true
	}
	if r == 's' || r == 'S' {
		after := i + sz + nsz
		ar, _ := utf8.DecodeRuneInString(text[after:])
		if after >= len(text) || !isWordRune(ar) {
			return after, after, true // possessive: the word ends before the apostrophe, its range covers it
		}
	}
	return i + sz, end, false // an apostrophe inside a word is dropped
}

// asciiRun is where the run of ASCII letters and digits from i ends.
func asciiRun(text string, i int) int {
	for i < len(text) && text[i] < utf8.RuneSelf && asciiWord[text[i]] {
		i++
	}
	return i
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// asciiWord marks the ASCII letters and digits: most of the text read.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == '‘'
}

// fold removes accents and normalises Arabic script the way Arabic search
// engines do: tashkeel and tatweel removed, alef forms to bare alef,
// alef maqsura to ya, ta marbuta to ha. Case is kept.
func fold(word string) string {
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return word
	}
	var b strings.Builder
	b.Grow(len(word))
	for _, r := range norm.NFD.String(word) {
		switch {
		case unicode.Is(unicode.Mn, r), r == 'ـ', r == 'ʼ', r == 'ʻ':
			// combining marks (accents, tashkeel, hamza marks), tatweel,
			// modifier-letter apostrophes
		case r == 'ٱ':
			b.WriteRune('ا')
		case r == 'ى':
			b.WriteRune('ي')
		case r == 'ة':
			b.WriteRune('ه')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ı':
			b.WriteRune('i')
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}
