package rules

import (
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
)

// FuzzParseQuery checks that no query, however malformed, panics or hangs
// the parser, and that a query that parses can be evaluated and explained.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		`@islamic_state AND (leader OR "deputy caliph" OR caliph*) AND (killed OR captured)`,
		`(coalition OR "U.S.-led") NEAR/20 (operation OR airstrike) AND @anbar`,
		`(coalition OR "U.S.-led") NEAR/15 )`,
		`title:(raid OR strike) -football case:IS site:example.com tag:defense feed:"Military.com"`,
		`/abu [a-z]+/ OR case:/Abu/ ONEAR/3 leader`,
		`"unterminated`, `NOT x`, `((((a))))`, `a NEAR b NEAR c`, `url:iraq author:smith`,
		`الدولة الإسلامية`, `-`, `@`, `title:`, `NEAR/99999 x`,
	} {
		f.Add(seed)
	}
	doc := NewDocument(&article.Article{
		Title:   "Iraq says Islamic State's top leader killed in Anbar operation backed by U.S.-led coalition",
		Content: "The head of the IS, Abu Khadija, was killed. الدولة الإسلامية",
		Link:    "https://www.example.com/iraq/leader", Feed: "Military.com", FeedTags: []string{"defense"},
	})
	f.Fuzz(func(t *testing.T, q string) {
		n, err := parseQuery(q, testLists)
		if err != nil {
			qes, ok := err.(QueryErrors)
			if !ok || len(qes) == 0 || len(qes) > maxProblems {
				t.Fatalf("error %T with %v", err, err)
			}
			for _, qe := range qes {
				if qe.Offset < 0 || qe.Offset > len(q) && qe.Offset != MaxQueryLen {
					t.Fatalf("offset %d outside the query (len %d)", qe.Offset, len(q))
				}
			}
			return
		}
		if ok, occs := eval(n, doc); ok {
			ex := explain(doc, occs)
			for _, h := range ex.Snippet.Hits {
				if h.Start < 0 || h.End > len(ex.Snippet.Text) || h.Start > h.End {
					t.Fatalf("hit %+v outside snippet %q", h, ex.Snippet.Text)
				}
			}
		}
	})
}
