package story

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func TestCorpusCountsAReportOnceHoweverOftenItIsAdded(t *testing.T) {
	c := NewCorpus()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c.Add("wire\x00a-1", day, fp(leaderKilledA))
	c.Add("wire\x00a-1", day.Add(time.Hour), fp(leaderKilledA)) // learned at start-up, then polled
	c.Add("wire\x00b-1", day, fp(leaderKilledB))
	if got := c.Docs(); got != 2 {
		t.Fatalf("Docs = %d, want 2 (a report added twice counts once)", got)
	}
	if w := c.idf("khadija"); w <= c.idf("kill") {
		t.Errorf("idf(khadija) = %.2f, idf(kill) = %.2f: a word in one report should weigh more than one in both", w, c.idf("kill"))
	}
}

func TestCorpusForgetsReportsOlderThanItsDaysOnceItHoldsEnough(t *testing.T) {
	c := NewCorpus()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	perDay := CorpusFloor/CorpusDays + 50 // the window alone holds more than the floor
	for d := range 20 {
		for i := range perDay {
			r := sadrCityA
			if d == 0 {
				r = sinjarA // only the first day speaks of Sinjar
			}
			c.Add(fmt.Sprintf("f\x00%d-%d", d, i), start.AddDate(0, 0, d), fp(r))
		}
	}
	if got, want := c.Docs(), CorpusDays*perDay; got != want {
		t.Errorf("Docs = %d after 20 days, want the last %d days' %d", got, CorpusDays, want)
	}
	if got := c.idf("sinjar"); got != c.idf("unseenword") {
		t.Errorf("idf(sinjar) = %.2f, want that of an unseen word (%.2f): the first day has left the statistics", got, c.idf("unseenword"))
	}
	c.Add("f\x00late", start, fp(sinjarA)) // recorded long ago: outside the window
	if got := c.idf("sinjar"); got != c.idf("unseenword") {
		t.Errorf("a report older than the window was counted: idf(sinjar) = %.2f", got)
	}
}

func TestAQuietCorpusKeepsOlderDaysUpToItsFloor(t *testing.T) {
	c := NewCorpus()
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for d := range 100 { // two reports a day for 100 days: 200 < CorpusFloor
		c.Add(fmt.Sprintf("f\x00%d-a", d), start.AddDate(0, 0, d), fp(kirkuk))
		c.Add(fmt.Sprintf("f\x00%d-b", d), start.AddDate(0, 0, d), fp(haditha))
	}
	if got := c.Docs(); got != 200 {
		t.Errorf("Docs = %d, want all 200: fewer than %d reports are kept whatever their age", got, CorpusFloor)
	}
}

// TestLearningWaitsForTheFirstComparison: LearnOnUse does not learn until
// two reports are first compared, then once, however many compare at
// the same time. A report added before learning begins is not counted
// then (it is recorded: learning reads it with the others), and counts
// once.
func TestLearningWaitsForTheFirstComparison(t *testing.T) {
	c := NewCorpus()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var learned atomic.Int32
	c.LearnOnUse(func() {
		learned.Add(1)
		for i := range MinCorpus + 10 {
			c.Add(fmt.Sprintf("old-%d", i), day, Of(fmt.Sprintf("Report %d from Ramadi", i), "", ""))
		}
		c.Add("new-0", day, Of("A new report", "", "")) // also added by a poll before learning
	})
	c.Add("new-0", day, Of("A new report", "", ""))
	if learned.Load() != 0 || c.Counting() || c.Has("new-0") || c.Has("old-0") || c.Docs() != 0 {
		t.Fatal("nothing should be learned, nor counted, before a comparison")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if c.trusted() == nil {
				t.Error("a comparison should find the learned statistics")
			}
		})
	}
	wg.Wait()
	if n := learned.Load(); n != 1 || c.Docs() != MinCorpus+11 {
		t.Errorf("learned %d times, %d reports counted (want once, %d)", n, c.Docs(), MinCorpus+11)
	}
	c.Add("new-1", day, Of("A report after learning", "", ""))
	if !c.Counting() || c.Docs() != MinCorpus+12 {
		t.Errorf("a report added after learning should count: %d reports", c.Docs())
	}
}

// TestCorpusKeepsNoArticleText: the statistics outlive the articles, so
// no key of theirs may be a slice of an article's text — a report's
// words are slices of it — or every article ever counted stays in memory.
// The second report repeats the first one's words: a map assignment to a
// key it has replaces the key, which is how texts were kept.
func TestCorpusKeepsNoArticleText(t *testing.T) {
	c := NewCorpus()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c.Add("wire\x00first", day, Of("coalition troops raid insurgent hideout near fallujah", "", ""))
	lead := strings.Clone("coalition troops raid insurgent hideout near fallujah after ambush on convoy")
	report := Of("coalition troops raid hideout", lead, "")
	inText := func(w string) bool {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(w))), uintptr(unsafe.Pointer(unsafe.StringData(lead)))
		return p >= start && p < start+uintptr(len(lead))
	}
	var sliced int
	for w := range report.words {
		if inText(w) {
			sliced++
		}
	}
	if sliced == 0 {
		t.Fatal("no word of the fingerprint is a slice of its lead: the test proves nothing")
	}
	c.Add("wire\x00second", day, report)
	for w := range c.words {
		if inText(w) {
			t.Errorf("the corpus keeps %q as a slice of an article's text, and so the whole text", w)
		}
	}
}

// TestAWordCountsItsReportsDayByDay: a word's reports are kept by day,
// oldest first, whatever the order they come in (learning reads the
// oldest first while polls add today's), and a day dropped takes its own
// reports only.
func TestAWordCountsItsReportsDayByDay(t *testing.T) {
	var wc wordCount
	for _, day := range []int64{5, 3, 5, 4} {
		wc.add(day)
	}
	if want := []dayCount{{3, 1}, {4, 1}, {5, 2}}; wc.total != 4 || !slices.Equal(wc.byDay, want) {
		t.Fatalf("%d in %v, want 4 in %v", wc.total, wc.byDay, want)
	}
	if !wc.drop(4) || wc.total != 3 || !wc.drop(9) || wc.total != 3 || !wc.drop(3) || wc.drop(5) {
		t.Errorf("after dropping days 4, 9 (none), 3 and 5: %d in %v", wc.total, wc.byDay)
	}
}
