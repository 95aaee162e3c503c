package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
)

// learnAfter makes set's index learn from its next n articles.
func learnAfter(set *Set, n int32) *index {
	ix := set.index0()
	ix.learning.Store(newLearning(len(ix.ids), n))
	return ix
}

// listedUnder are the rules the index lists under word.
func listedUnder(ix *index, word string) []int32 {
	ly, n := ix.layout.Load(), ix.ids[key{keyWord, word}]
	var rs []int32
	for l := ly.lists[ly.starts[n]:ly.starts[n+1]]; len(l) > 0; l = l[2+l[1]:] {
		rs = append(rs, l[0])
	}
	return rs
}

// TestTheIndexListsARuleUnderTheWordsArticlesHaveLeast: first listed under
// its one-word clause ("killed", best's guess), a rule is listed under its
// other clause once the articles learned from all say "killed" and few
// name a caliph or an emir; it still matches where it matched.
func TestTheIndexListsARuleUnderTheWordsArticlesHaveLeast(t *testing.T) {
	s := &Set{}
	r, err := s.QueryRule(`killed AND (caliph OR emir)`)
	if err != nil {
		t.Fatal(err)
	}
	s.Rules = []*Rule{r}
	ix := learnAfter(s, 3)
	if got := listedUnder(ix, "killed"); !slices.Equal(got, []int32{0}) {
		t.Fatalf("before learning, killed lists %v", got)
	}
	for _, title := range []string{"Two killed in Ramadi", "Convoy hit, one killed", "Emir killed in strike"} {
		s.Match(&article.Article{Title: title})
	}
	if ix.learning.Load() != nil {
		t.Fatal("the index is still learning after the articles it learns from")
	}
	if got := listedUnder(ix, "killed"); len(got) != 0 {
		t.Errorf("after learning, killed (in every article) still lists %v", got)
	}
	if got := listedUnder(ix, "caliph"); !slices.Equal(got, []int32{0}) {
		t.Errorf("after learning, caliph (in none) lists %v", got)
	}
	if m := s.Match(&article.Article{Title: "Caliph killed in Anbar"}); len(m) != 1 {
		t.Errorf("the rule no longer matches: %v", m)
	}
}

// TestIndexedMatchingEqualsEvaluatingEveryRuleOnceLearned: the
// differential test across the index's learning — the articles before,
// the one that lays the lists out again, and those after — with rules of
// the whole language, from matching calls of eight goroutines at once.
func TestIndexedMatchingEqualsEvaluatingEveryRuleOnceLearned(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct{ rules, articles int }{{1500, 64}, {largeSet, 8}} {
		set := genSet(t, r, c.rules)
		ix := learnAfter(set, int32(c.articles/2))
		before := ix.layout.Load()
		arts := make([]*article.Article, c.articles)
		for i := range arts {
			arts[i] = genArticle(r)
		}
		var wg sync.WaitGroup
		errs := make(chan string, c.articles)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < len(arts); i += 8 {
					if got, want := set.Match(arts[i]), set.MatchExhaustive(arts[i]); !reflect.DeepEqual(got, want) {
						errs <- fmt.Sprintf("%d rules, article %d: indexed %d matches, exhaustive %d", c.rules, i, len(got), len(want))
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if ix.learning.Load() != nil || ix.layout.Load() == before {
			t.Fatalf("%d rules: the index did not lay its lists out again", c.rules)
		}
		if slices.Equal(ix.layout.Load().lists, before.lists) {
			t.Fatalf("%d rules: learning listed every rule where it was: the test would prove little", c.rules)
		}
		agreesWithEveryRule(t, set, r, c.articles) // after, in one goroutine
	}
}
