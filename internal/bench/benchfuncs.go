package bench

import (
	"regexp"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/text"
)

// Articles is how many distinct articles a matching benchmark cycles through.
const Articles = 200

// MatchBench returns a benchmark of matching one article against nRules
// generated rules; exhaustive evaluates every rule instead of using the
// index.
func MatchBench(nRules int, exhaustive bool) func(*testing.B) {
	return func(b *testing.B) {
		w := New(42)
		set, err := w.Rules(nRules)
		if err != nil {
			b.Fatal(err)
		}
		arts := make([]*article.Article, Articles)
		for i := range arts {
			arts[i] = w.Article(i)
		}
		match := set.Match
		if exhaustive {
			match = set.MatchExhaustive
		}
		// Outside the timing: build the index, and let it learn which
		// words are common (rules.LearnFrom) from articles of another
		// seed, as a daemon's index has after its first articles.
		warm := New(43)
		for i := range rules.LearnFrom {
			match(warm.Article(Articles + i))
		}
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			matches += len(match(arts[i%len(arts)]))
		}
		b.ReportMetric(float64(matches)/float64(b.N), "matches/article")
	}
}

// RegexpBench is the simplest bot's way: each rule's words compiled into
// one case-insensitive regular expression, every rule tried on the text.
func RegexpBench(nRules int) func(*testing.B) {
	return func(b *testing.B) {
		w := New(42)
		res := make([]*regexp.Regexp, nRules)
		for i := range res {
			var words []string
			for _, t := range text.Tokenize(w.Query()) {
				words = append(words, regexp.QuoteMeta(t.Norm))
			}
			res[i] = regexp.MustCompile(`(?i)\b(?:` + strings.Join(words, "|") + `)\b`)
		}
		arts := make([]string, Articles)
		for i := range arts {
			a := w.Article(i)
			arts[i] = a.Title + "\n" + a.Summary + "\n" + a.Content
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for _, re := range res {
				re.MatchString(arts[i%len(arts)])
			}
		}
	}
}
