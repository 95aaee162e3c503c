package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// BenchmarkStore times the store's main operations on each engine
// (PostgreSQL skipped without FEEDWATCH_TEST_POSTGRES): recording one
// poll of a feed (20 new articles of ~400 words, 2 matches and an alert
// each), asking which of 20 articles are stored, leasing a feed, and
// claiming then recording a post. Figures: docs/benchmarks.md.
func BenchmarkStore(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			target := filepath.Join(b.TempDir(), "fw.db")
			if engine == "postgres" {
				target = testutil.Postgres(b)
			}
			s, err := Open(context.Background(), target)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchStore(b, s)
		})
	}
}

func benchStore(b *testing.B, s *Store) {
	ctx := context.Background()
	text := strings.Repeat("Officials said the council would meet again on Tuesday to discuss the roads. ", 30)
	poll := func(feed string, n int) []Item {
		items := make([]Item, 20)
		for i := range items {
			a := article.Article{Feed: feed, Identity: fmt.Sprintf("%d-%d", n, i), Title: fmt.Sprintf("Report %d-%d", n, i), Content: text, Link: fmt.Sprintf("https://wire.example/%d/%d", n, i)}
			items[i] = Item{Article: a, Hash: a.Identity, Matches: []article.Match{{RuleID: "a"}, {RuleID: "b"}},
				Outgoing: []Outgoing{{Message: article.Alert{Channel: "#c", Feed: feed, Title: a.Title, Rules: []string{"a", "b"}}}}}
		}
		return items
	}
	b.Run("record a poll of 20 articles", func(b *testing.B) {
		for i := range b.N {
			if err := s.Record(ctx, article.FeedState{Name: "Wire", URL: "u", LastAttempt: time.Now()}, poll("Wire", i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	if s.db.pg { // the statistics autovacuum gathers within a minute of such a load
		if _, err := s.db.Exec(`ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([]article.Key, 20)
	for i := range keys {
		keys[i] = article.Key{Identity: fmt.Sprintf("0-%d", i), Canon: "none", Hash: "none"}
	}
	b.Run("seen, 20 articles", func(b *testing.B) {
		for range b.N {
			if _, err := s.Seen(ctx, "Wire", keys); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lease a feed", func(b *testing.B) {
		for i := range b.N {
			if _, err := s.LeaseFeed(ctx, fmt.Sprintf("Feed %d", i), "u", time.Now); err != nil {
				b.Fatal(err)
			}
		}
	})
	due, err := s.Due(ctx, 100000)
	if err != nil || len(due) == 0 {
		b.Fatalf("%d due, %v", len(due), err)
	}
	b.Run("claim and record a post", func(b *testing.B) {
		for i := range b.N {
			id := due[i%len(due)].ID
			if ok, err := s.Claim(ctx, id); err != nil {
				b.Fatal(err)
			} else if ok {
				if err := s.MarkSent(ctx, id, "ts", nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
