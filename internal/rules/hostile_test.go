package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// finishes fails the test if fn has not returned within limit. It guards
// against a hang (work growing with the square of the input takes hours on
// these inputs, linear work milliseconds); it measures no performance.
func finishes(t *testing.T, limit time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not finish within %s", what, limit)
	}
}

func TestMatchingTextBuiltToBeQuadraticStaysFast(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, query, text string
	}{
		{"200,000 one-word sentences, each a hit", `zebra`, strings.Repeat("zebra. ", 200_000)},
		{"100,000 hits on each side of a NEAR", `(ISIS OR "Islamic State") NEAR/5 (leader OR chief)`, strings.Repeat("ISIS leader ", 100_000)},
		{"an ordered NEAR over 100,000 hits", `ISIS ONEAR/3 leader`, strings.Repeat("leader ISIS ", 100_000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q, err := parseQuery(c.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			a := article.Article{Title: "Hostile", Content: c.text}
			d := newDocument(&a, len(c.text), len(c.text)) // the whole text, past article.MaxText
			var ex article.Explanation
			finishes(t, 20*time.Second, "matching and explaining", func() {
				ok, occs := eval(q, d)
				if !ok {
					t.Error("no match")
				}
				ex = explain(d, occs)
			})
			if ex.Snippet.Text == "" || len(ex.Hits) > MaxHits {
				t.Errorf("snippet %q, %d hits listed (at most %d)", ex.Snippet.Text, len(ex.Hits), MaxHits)
			}
		})
	}
}

func TestOnlyTheStartOfAHugeArticleIsMatched(t *testing.T) {
	t.Parallel()
	a := article.Article{Title: strings.Repeat("t", 10<<20), Content: strings.Repeat("filler ", 2<<20) + "zebra"}
	d := NewDocument(&a)
	if len(d.text[fieldContent]) > article.MaxText || len(d.text[fieldTitle]) > article.MaxTitle {
		t.Fatalf("matched %d bytes of text and %d of title", len(d.text[fieldContent]), len(d.text[fieldTitle]))
	}
	q, _ := parseQuery(`zebra`, nil)
	if ok, _ := eval(q, d); ok {
		t.Error("a word 14 MB into the text was matched")
	}
}

func TestSlowRegexesAreRefusedAndReadOnlyTheStartOfAField(t *testing.T) {
	t.Parallel()
	if _, err := parseQuery(`/a[a-z]{1000}b/`, nil); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Errorf("a 1000-step regex: %v, want it refused as too complex", err)
	}
	q, err := parseQuery(`/a[a-z]{200}b/ OR /\bzebra\b/`, nil)
	if err != nil {
		t.Fatalf("a 200-step regex must be accepted: %v", err)
	}
	a := article.Article{Content: strings.Repeat("a", MaxRegexText) + " zebra"}
	var ok bool
	finishes(t, 20*time.Second, "a regex on a field of 'aaaa…'", func() { ok, _ = eval(q, NewDocument(&a)) })
	if ok {
		t.Error("a regex read past the first MaxRegexText bytes")
	}
}
