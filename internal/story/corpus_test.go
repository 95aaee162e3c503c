package story

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
// they may keep nothing of an article's text — a report's words are
// slices of it — or every article ever counted stays in memory. Report i
// has a lead of 64 KB, two words first: word i, which report i-1 had
// too, and word i+1, new. (A Go map assignment to a key it has replaces
// the key with the one given, which is how the texts were once kept; a
// new key kept as given would keep them too.) The 400 leads are 26 MB;
// the statistics of their 401 words some kilobytes.
func TestCorpusKeepsNoArticleText(t *testing.T) {
	c := NewCorpus()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	word := func(i int) string { return "zor" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "x" }
	runtime.GC()
	before := heapInUse()
	for i := range 400 {
		lead := word(i) + " " + word(i+1) + " " + strings.Repeat(".", 64<<10)
		c.Add(fmt.Sprintf("wire\x00%d", i), day, Of("", lead, ""))
	}
	runtime.GC()
	if grown := heapInUse() - before; grown > 4<<20 {
		t.Errorf("the heap grew by %d MB counting 400 reports of 401 words: the statistics keep their texts", grown>>20)
	}
	if c.Docs() != 400 || c.idf(word(200)) >= c.idf(word(400)) || c.idf(word(400)) >= c.idf("unseen") {
		t.Errorf("the reports were not counted: %d reports; idf of a word in 2 reports %.2f, in 1 %.2f, in none %.2f",
			c.Docs(), c.idf(word(200)), c.idf(word(400)), c.idf("unseen"))
	}
	runtime.KeepAlive(c)
}

func heapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestAWordCountsItsReportsDayByDay: a word's reports are kept by day,
// whatever the order they come in (learning reads the oldest first while
// polls add today's), and a day dropped takes its own reports only, the
// first day's as a later one's.
func TestAWordCountsItsReportsDayByDay(t *testing.T) {
	wd := newWordDays()
	const w, other = 1, 2
	for _, day := range []int32{5, 3, 5, 4, 6} {
		wd.add(w, day)
	}
	wd.add(other, 4)
	if wc := wd.words[w]; wc.total != 5 || wc.first != (dayCount{3, 1}) || !slices.Equal(wd.days(wc), []dayCount{{4, 1}, {5, 2}, {6, 1}}) {
		t.Fatalf("%d reports, first %v then %v; want 5, {3 1}, then days 4, 5 (twice) and 6", wc.total, wc.first, wd.days(wc))
	}
	steps := []struct {
		drop     int32
		w, other int
	}{{4, 4, 0}, {9, 4, 0}, {3, 3, 0}, {6, 2, 0}, {5, 0, 0}}
	for _, s := range steps {
		wd.drop(s.drop)
		if wd.total(w) != s.w || wd.total(other) != s.other {
			t.Fatalf("after dropping day %d: %d and %d reports, want %d and %d", s.drop, wd.total(w), wd.total(other), s.w, s.other)
		}
	}
	if len(wd.words) != 0 || len(wd.free) != len(wd.later) {
		t.Errorf("every day dropped: %d words left, %d of %d later slots free", len(wd.words), len(wd.free), len(wd.later))
	}
	wd.add(w, 7)
	wd.add(w, 8)
	if n := len(wd.later); n != 1 || !slices.Equal(wd.days(wd.words[w]), []dayCount{{8, 1}}) {
		t.Errorf("a freed slot should be taken again: %d slots, days %v", n, wd.days(wd.words[w]))
	}
}
