// Package story decides whether two articles report the same story: the
// same canonical link, or a headline and lead that share enough of their
// salient words. feedwatch threads such reports under the first post
// instead of posting each outlet's version on its own.
package story

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/text"
)

// ThresholdIn is the similarity, words weighed by their rarity in recent
// reports (SimilarityIn), from which two reports count as one story. It
// was set on real newswire (internal/eval): see docs/stories.md.
const ThresholdIn = 0.12

// Threshold is the plain similarity (every word weighing alike) from which
// two reports count as one story, used until the word statistics hold
// MinCorpus reports. It was set on the pairs in story_test.go: reports of
// one event by two outlets score 0.47–0.64; different events on the same
// topic score at most 0.34 (go test -v -run Threshold shows them).
const Threshold = 0.40

// Fingerprint is what is compared of an article.
type Fingerprint struct {
	link  string
	words map[string]float64 // stem → weight
	total float64
}

// leadWords is how much of the lead counts: the first sentence or two.
const leadWords = 45

// Of fingerprints an article from its headline, its lead (the start of its
// summary or text) and its canonical link ("" if none).
func Of(title, lead, canonicalLink string) Fingerprint {
	return OfTokens(text.Tokenize(title), text.Tokenize(lead), canonicalLink)
}

// Reader fingerprints articles one after another reusing its buffers:
// for learning a week of articles at start-up without a token slice and
// a map per article. A fingerprint it returns is good until its next
// call (Corpus.Add reads it at once). Not for concurrent use.
type Reader struct {
	toks  []text.Token
	words map[string]float64
}

// Of is story.Of, on the reader's buffers.
func (r *Reader) Of(title, lead, canonicalLink string) Fingerprint {
	r.toks = text.AppendTokens(r.toks[:0], title)
	n := len(r.toks)
	r.toks = text.AppendTokens(r.toks, lead)
	if r.words == nil {
		r.words = map[string]float64{}
	}
	clear(r.words)
	return ofTokens(r.toks[:n], r.toks[n:], canonicalLink, r.words)
}

// OfTokens is Of for a headline and lead already split into words: a
// poll reads each article once (rules.Set.Read) and fingerprints it from
// those words.
func OfTokens(title, lead []text.Token, canonicalLink string) Fingerprint {
	return ofTokens(title, lead, canonicalLink, make(map[string]float64, len(title)+min(len(lead), leadWords)))
}

func ofTokens(title, lead []text.Token, canonicalLink string, words map[string]float64) Fingerprint {
	fp := Fingerprint{link: canonicalLink, words: words}
	fp.add(title, 2, -1)
	fp.add(lead, 1, leadWords)
	for _, w := range fp.words {
		fp.total += w
	}
	return fp
}

// add counts the salient words of s with weight, proper nouns (capitalised
// inside a sentence) half as much again; a word keeps its highest weight.
func (fp *Fingerprint) add(toks []text.Token, weight float64, limit int) {
	if limit >= 0 && len(toks) > limit {
		toks = toks[:limit]
	}
	for i, t := range toks {
		// Numbers say little about which event it is: tolls differ between
		// reports of one event and match between different ones.
		if stopWords[t.Norm] || utf8.RuneCountInString(t.Norm) < 3 || hasDigit(t.Norm) {
			continue
		}
		w := weight
		if r, _ := utf8.DecodeRuneInString(t.Cased); i > 0 && unicode.IsUpper(r) {
			w *= 1.5
		}
		stem, many := canonical(t.Norm)
		if many == nil {
			fp.put(stem, w)
		}
		for _, stem := range many {
			fp.put(stem, w)
		}
	}
}

// put gives a stem weight w unless it has more.
func (fp *Fingerprint) put(stem string, w float64) {
	if w > fp.words[stem] {
		fp.words[stem] = w
	}
}

// canonical maps a word to the stem it stands for, or (many) to the
// stems of an alias or newswire synonym ("Daesh" → islamic state, "chief"
// → leader). No slice is made for a plain word: it is most of them.
func canonical(norm string) (stem string, many []string) {
	stem = Stem(norm)
	if to, ok := synonyms[stem]; ok {
		return "", to
	}
	return stem, nil
}

// Similarity is the weighted Jaccard index of two fingerprints' words:
// 1 for the same words, 0 for none in common.
func Similarity(a, b Fingerprint) float64 { return SimilarityIn(a, b, nil) }

// SimilarityIn is Similarity with each word weighed by its rarity in c.
func SimilarityIn(a, b Fingerprint, c *Corpus) float64 {
	if a.total == 0 || b.total == 0 {
		return 0
	}
	var inter, ta, tb float64
	for w, wa := range a.words {
		idf := c.idf(w)
		ta += wa * idf
		if wb, ok := b.words[w]; ok {
			inter += min(wa, wb) * idf
		}
	}
	for w, wb := range b.words {
		tb += wb * c.idf(w)
	}
	return inter / (ta + tb - inter)
}

// Stem strips common English endings so that "killed", "kills" and
// "killing" compare equal. It is deliberately crude: both sides of a
// comparison are stemmed alike.
func Stem(w string) string {
	if !isASCII(w) || isNumber(w) {
		return w
	}
	for _, suf := range []string{"ings", "ing", "ied", "ies", "ed", "es", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			if suf == "ied" || suf == "ies" {
				w += "y"
			}
			break
		}
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = strings.TrimSuffix(w, "e")
	}
	if len(w) > 4 && strings.HasSuffix(w, "i") { // demonyms: iraqi → iraq, yemeni → yemen
		w = strings.TrimSuffix(w, "i")
	}
	return w
}

// synonyms maps stems to the words they mean in news about conflict, so
// that two outlets' wordings of one event compare equal.
var synonyms = map[string][]string{}

func init() {
	for to, froms := range map[string]string{
		"islamic state": "isis isil daesh",
		"leader":        "chief head emir commander",
		"kill":          "dead death died slain behead beheading execut murder",
		"captur":        "arrest detain seiz held",
		"attack":        "strik assault raid bomb bombing blast explosion",
		"hostage":       "kidnap kidnapper kidnapping captor abduct abduction captive",
		"aide":          "deputy lieutenant",
		"hussein":       "saddam",
		"reduc":         "cut slash lower",
		"releas":        "free freed",
		"militia":       "militiamen fighter",
		"ceasefire":     "truce",
	} {
		stems := strings.Fields(to)
		for i := range stems {
			stems[i] = Stem(stems[i])
		}
		for _, f := range strings.Fields(froms) {
			synonyms[Stem(f)] = stems
		}
		if len(stems) == 1 {
			synonyms[stems[0]] = stems
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// stopWords carry no story: function words and newswire boilerplate.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for with that this from was were are has have had but not its his her their they them
	he she who whom which what when where while into onto over under after before since than then there these those been being
	also about against between during through near said says say told according officials official reported reports report
	sources source spokesman statement news agency monday tuesday wednesday thursday friday saturday sunday week today yesterday
	one two three four five six seven eight nine ten least more most some any all other new first last late early
	will would could should may might can just only very said-on per out off up down on in at by of to a an as is it be or
	reuters afp upi cnn bbc update iraq iraqi`) {
		stopWords[w] = true
	}
}

// places are towns whose naming sets one event apart from another of the
// same kind: "car bomb in Mosul" and "car bomb in Samarra" are two events
// however alike their words. Two reports that each name places, none of
// them shared, are not one story. (Iraq's towns, as the wires spell them;
// spelling variants map to one stem.)
var places = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`baghdad basra mosul kirkuk najaf karbala samarra tikrit fallujah falluja ramadi
	haditha baquba baqubah baqouba hilla kufa kut amarah nasiriyah diwaniyah latifiya mahmudiya iskandariya
	tal-afar sinjar duhok dohuk erbil irbil sulaimaniya halabja qaim rutba hit balad dujail khanaqin`) {
		stem, many := canonical(p)
		if many == nil {
			places[stem] = true
		}
		for _, c := range many {
			places[c] = true
		}
	}
}

// placesApart reports whether both reports name places and share none.
func placesApart(a, b Fingerprint) bool {
	named, shared := [2]bool{}, false
	for w := range a.words {
		if places[w] {
			named[0] = true
			if _, ok := b.words[w]; ok {
				shared = true
			}
		}
	}
	for w := range b.words {
		if places[w] {
			named[1] = true
		}
	}
	return named[0] && named[1] && !shared
}
