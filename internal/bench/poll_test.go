package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
)

// BenchmarkPoll measures one poll of 1,000 loopback feeds × 20 new items
// with 100 rules (fetch, parse, store, match), the same poll when every
// feed answers 304, and the floor (fetch and gofeed parse only, the same
// feeds). ns/op is the wall time of the whole poll, cpu-s/op its CPU.
func BenchmarkPoll(b *testing.B) {
	b.Run("floor/feeds=1000/items=20", FloorBench(1000, 20))
	b.Run("cold/feeds=1000/items=20/rules=100", PollBench(1000, 20, 100, false))
	b.Run("all-304/feeds=1000/rules=100", PollBench(1000, 20, 100, true))
}

// TestAPollOfManyFeedsOnOneHostReusesConnections: the daemon polling
// 1,000 feeds of one host, three times, opens at most 2 × fetch.concurrency
// connections in all (issue 13 measured ~250 per pass before).
func TestAPollOfManyFeedsOnOneHostReusesConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 1,000 feeds three times")
	}
	w := New(42)
	fs := NewFeedServer(w, 1000, 1)
	defer fs.Close()
	p, err := NewPoller(w, fs, 5, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for pass := range 3 {
		if err := p.Poll(); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
	}
	const concurrency = 8 // fetch.concurrency's default, which NewPoller keeps
	if n := fs.Conns.Load(); n > 2*concurrency {
		t.Errorf("3 polls of 1,000 feeds opened %d connections, want at most %d", n, 2*concurrency)
	} else {
		t.Logf("3 polls of 1,000 feeds on one host: %d connections", n)
	}
}

// TestASetupOfFewerFeedsListsTheServersFirstOnes: feedwatch-bench -growth
// compares a once over the first 1,000 feeds of a 10,000-feed server with
// one over all of them, so the smaller configuration must list exactly
// the server's first feeds, and load as the binary loads it.
func TestASetupOfFewerFeedsListsTheServersFirstOnes(t *testing.T) {
	fs := NewFeedServer(New(42), 5, 1)
	defer fs.Close()
	for _, n := range []int{3, 5, 9} {
		path, err := WriteSetupOf(New(7), fs, n, 2, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatalf("%d feeds: %v", n, err)
		}
		want := min(n, 5)
		if len(cfg.Feeds) != want {
			t.Fatalf("setup of %d feeds of 5 lists %d, want %d", n, len(cfg.Feeds), want)
		}
		for i, f := range cfg.Feeds {
			if u := fmt.Sprintf("%s/feed/%d", fs.URL, i); f.URL != u {
				t.Errorf("setup of %d feeds: feed %d is %s, want %s", n, i, f.URL, u)
			}
		}
	}
}

// TestTheSetupPollsAsTheBinaryReadsIt: feedwatch-bench measures the poll
// in a process of its own from the files WriteSetup writes (OpenConfig),
// as the binary reads them: every item of every feed is recorded, in the
// database the configuration names.
func TestTheSetupPollsAsTheBinaryReadsIt(t *testing.T) {
	fs := NewFeedServer(New(42), 4, 3)
	defer fs.Close()
	dir := t.TempDir()
	path, err := WriteSetup(New(7), fs, 5, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Poll(); err != nil {
		t.Fatal(err)
	}
	stored, err := p.P.Store.Articles(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 4*3 {
		t.Errorf("a poll of 4 feeds × 3 items recorded %d articles, want 12", len(stored))
	}
	if _, err := os.Stat(filepath.Join(dir, "feedwatch.db")); err != nil {
		t.Errorf("no database next to the configuration: %v", err)
	}
}
