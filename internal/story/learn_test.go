package story

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLearningOnManyGoroutinesCountsAsOneAfterAnother: AddAll, which
// fingerprints on several goroutines, leaves the statistics Add leaves
// reading the same reports one after another — over days that fall out
// of the window, a floor that keeps some, a report read twice — and
// returns the reader's error with what it read before counted.
func TestLearningOnManyGoroutinesCountsAsOneAfterAnother(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // the parallel path, whatever the machine
	words := strings.Fields("leader killed anbar baghdad market bomb sinjar najaf douri coalition raid mosul convoy ambush shrine police cleric militia")
	rng := rand.New(rand.NewPCG(5, 6))
	sentence := func(n int) string {
		var b strings.Builder
		for range n {
			w := words[rng.IntN(len(words))]
			if rng.IntN(3) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			fmt.Fprintf(&b, "%s%d ", w, rng.IntN(4)) // numbers weigh nothing: words of their own
			b.WriteString(w + " ")
		}
		return b.String()
	}
	start := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	var reports []Report
	for day := range 12 {
		for i := range 90 + rng.IntN(200) {
			reports = append(reports, Report{fmt.Sprintf("f%d\x00%d-%d", i%7, day, i), start.AddDate(0, 0, day).Add(time.Duration(i) * time.Minute), sentence(8), sentence(30)})
		}
	}
	reports = append(reports, reports[len(reports)/2]) // read twice: counts once
	stopAt := len(reports) - 300
	for _, tc := range []struct {
		name string
		n    int
		err  error
	}{{"all", len(reports), nil}, {"a reader that fails", stopAt, errors.New("disk I/O error")}} {
		one, many := NewCorpus(), NewCorpus()
		var r Reader
		for _, rep := range reports[:tc.n] {
			one.Add(rep.Key, rep.Recorded, r.Of(rep.Title, rep.Lead, ""))
		}
		err := many.AddAll(func(add func(Report)) error {
			for _, rep := range reports[:tc.n] {
				add(rep)
			}
			return tc.err
		})
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: AddAll returned %v, want %v", tc.name, err, tc.err)
		}
		if one.Docs() != many.Docs() || one.Docs() < CorpusFloor {
			t.Fatalf("%s: %d reports counted one after another, %d on many goroutines", tc.name, one.Docs(), many.Docs())
		}
		for _, w := range words {
			for _, form := range []string{w, Stem(w)} {
				if a, b := one.idf(form), many.idf(form); a != b {
					t.Errorf("%s: idf(%q) %v one after another, %v on many goroutines", tc.name, form, a, b)
				}
			}
		}
	}
}
