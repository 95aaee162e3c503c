// Package bench makes the synthetic workloads feedwatch's benchmarks run
// on: news-like articles and monitoring rules drawn from one vocabulary
// whose word frequencies follow Zipf's law, as natural text does, and a
// loopback feed server. It is shared by the go test benchmarks and by the
// feedwatch-bench command.
package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/rules"
)

// VocabularySize is how many distinct words the articles are written in.
const VocabularySize = 40000

// stopWords head the vocabulary: the most frequent words of English text.
var stopWords = strings.Fields(`the of and to in a is that for on was with he it as at by his from
be are have has an its were they which this said not or but had their been after who we also one two
new more than first over into would when will about up out there other all can year years`)

// Vocabulary is the words, most frequent first: English function words,
// then pronounceable made-up words (news vocabulary stands in for them).
func Vocabulary() []string {
	words := append([]string(nil), stopWords...)
	syll := strings.Fields("ka ri mo ta sen dor al bu qi fa le hu ni za ro ve mi da su ke lo pa gi ne tu ba")
	r := rand.New(rand.NewPCG(7, 7))
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	for len(words) < VocabularySize {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// Workload is a vocabulary with a Zipf sampler over it.
type Workload struct {
	Words []string
	r     *rand.Rand
	zipf  *rand.Zipf
}

// New returns a workload whose random choices follow seed.
func New(seed uint64) *Workload {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := Vocabulary()
	return &Workload{Words: words, r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))}
}

func (w *Workload) word() string { return w.Words[w.zipf.Uint64()] }

// sentence writes n words, capitalised, ending with a period.
func (w *Workload) sentence(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = w.word()
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ") + "."
}

func (w *Workload) text(words int) string {
	var parts []string
	for n := 0; n < words; {
		k := 12 + w.r.IntN(16)
		parts = append(parts, w.sentence(k))
		n += k
	}
	return strings.Join(parts, " ")
}

// Article returns a news-like article of about 3 KB: a 12-word headline, a
// 40-word summary and a body of about 450 words.
func (w *Workload) Article(i int) *article.Article {
	return &article.Article{
		Feed: fmt.Sprintf("Feed %d", i%50), FeedTags: []string{"world"},
		Identity: fmt.Sprintf("guid:%d", i), Link: fmt.Sprintf("https://news%d.example.com/story/%d", i%50, i),
		Title: w.sentence(12), Summary: w.text(40), Content: w.text(450),
	}
}

// ruleWord is a word a rule editor would pick: not a function word, and
// more often a rarer, meaningful one (ranks 150 to the end, uniformly).
func (w *Workload) ruleWord() string {
	return w.Words[150+w.r.IntN(len(w.Words)-150)]
}

// Query returns a monitoring query in one of the shapes rule editors
// write: OR groups ANDed, phrases, proximity, exclusions, field scopes,
// wildcards.
func (w *Workload) Query() string {
	g := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = w.ruleWord()
		}
		if n == 1 {
			return ws[0]
		}
		return "(" + strings.Join(ws, " OR ") + ")"
	}
	switch w.r.IntN(6) {
	case 0:
		return g(1+w.r.IntN(3)) + " AND " + g(1+w.r.IntN(4))
	case 1:
		return `"` + w.ruleWord() + " " + w.ruleWord() + `" ` + g(1+w.r.IntN(3))
	case 2:
		return g(2) + " NEAR/10 " + g(2)
	case 3:
		return g(1) + " AND " + g(2) + " -" + w.ruleWord()
	case 4:
		return "title:" + g(1+w.r.IntN(2)) + " AND " + g(2)
	default:
		word := w.ruleWord()
		return word[:len(word)-1] + "* AND " + g(2)
	}
}

// Rules returns a rule set of n generated queries.
func (w *Workload) Rules(n int) (*rules.Set, error) {
	s := &rules.Set{Lists: map[string][]string{}}
	for i := range n {
		r, err := s.QueryRule(w.Query())
		if err != nil {
			return nil, err
		}
		r.ID, r.Name = fmt.Sprintf("rule-%06d", i), fmt.Sprintf("Rule %d", i)
		s.Rules = append(s.Rules, r)
	}
	return s, nil
}
