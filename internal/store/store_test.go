package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesAPrivateDatabaseAndMigratesOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "fw.db")
	s := open(t, path)
	s.Close()
	s = open(t, path) // second open: migrations already applied
	var n int
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) || n < 9 {
		t.Fatalf("schema_migrations has %d rows (%v), want one per migration (%d)", n, err, len(files))
	}
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", p, st.Mode().Perm(), want)
		}
	}
}

func TestRecordWritesArticlesMatchesAndDeliveriesTogether(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		a := article.Article{Feed: "Wire", Identity: "guid:1", Title: "Leader killed", Link: "https://wire.example/1", Published: now.Add(-time.Hour)}
		m := article.Match{RuleID: "is-leadership", RuleName: "IS leadership"}
		alert := article.Alert{Channel: "#iraq", Feed: "Wire", Title: a.Title, Rules: []string{"IS leadership"}}
		st := article.FeedState{Name: "Wire", URL: "https://wire.example/rss", ETag: `"e1"`, LastSuccess: now}
		if err := s.Record(ctx, st, []Item{{Article: a, Hash: "h1", Matches: []article.Match{m}, Outgoing: out(alert)}}); err != nil {
			t.Fatal(err)
		}
		seen, err := s.Seen(ctx, "Wire", []article.Key{{Identity: "guid:1", Canon: "https://wire.example/1", Hash: "h1"}, {Identity: "guid:2", Hash: "nope"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen.ByIdentity) != 1 || seen.ByIdentity["guid:1"].Hash != "h1" || !seen.ByIdentity["guid:1"].Rules["is-leadership"] {
			t.Errorf("seen by identity = %+v", seen.ByIdentity)
		}
		if seen.ByCanon["https://wire.example/1"].Identity != "guid:1" || seen.ByHash["h1"].Identity != "guid:1" || len(seen.ByHash) != 1 {
			t.Errorf("seen by link %+v, by hash %+v", seen.ByCanon, seen.ByHash)
		}
		got, err := s.FeedState(ctx, "Wire")
		if err != nil || got.ETag != `"e1"` || !got.LastSuccess.Equal(now) {
			t.Errorf("feed state = %+v, %v", got, err)
		}
		due, err := s.Due(ctx, 10)
		if err != nil || len(due) != 1 || due[0].Message.(article.Alert).Title != "Leader killed" || due[0].Channel() != "#iraq" {
			t.Fatalf("due = %+v, %v", due, err)
		}

		// A failing statement rolls the whole record back: nothing half-written.
		bad := article.Article{Feed: "Wire", Identity: "guid:3", Title: "x"}
		err = s.Record(ctx, article.FeedState{Name: "Wire", URL: "u", ETag: `"e2"`}, []Item{
			{Article: bad, Hash: "h3", Matches: []article.Match{m}, Outgoing: out(alert)},
			{Article: bad, Hash: "h3", Outgoing: out(article.Alert{Channel: "#iraq", Title: "broken"})},
		})
		if err != nil {
			t.Fatalf("re-recording the same identity in one batch is an update, not an error: %v", err)
		}
		failInserts(t, s, "deliveries", "disk full")
		err = s.Record(ctx, article.FeedState{Name: "Wire", URL: "u", ETag: `"e3"`}, []Item{{Article: article.Article{Feed: "Wire", Identity: "guid:4"}, Hash: "h4", Matches: []article.Match{m}, Outgoing: out(alert)}})
		if err == nil {
			t.Fatal("want the injected failure")
		}
		if seen, _ := s.Seen(ctx, "Wire", []article.Key{{Identity: "guid:4"}}); len(seen.ByIdentity) != 0 {
			t.Error("the article was stored although its delivery failed")
		}
		if got, _ := s.FeedState(ctx, "Wire"); got.ETag == `"e3"` {
			t.Error("the feed state moved on although the record failed")
		}
	})
}

func TestOutboxStatesSurviveReopening(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		path := target
		s := open(t, path)
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		var items []Item
		for _, id := range []string{"guid:1", "guid:2", "guid:3"} {
			items = append(items, Item{Article: article.Article{Feed: "Wire", Identity: id, Title: id}, Hash: id,
				Outgoing: out(article.Alert{Channel: "#iraq", Title: id, Rules: []string{"r"}})})
		}
		if err := s.Record(ctx, article.FeedState{Name: "Wire", URL: "u"}, items); err != nil {
			t.Fatal(err)
		}
		due, _ := s.Due(ctx, 10)
		if len(due) != 3 {
			t.Fatalf("%d due, want 3", len(due))
		}
		for _, d := range due {
			mustClaim(t, s, d.ID)
		}
		must(t, s.MarkSent(ctx, due[0].ID, "1700000000.000001", nil))
		must(t, s.MarkFailed(ctx, due[1].ID, "channel_not_found"))
		must(t, s.MarkRetry(ctx, due[2].ID, now.Add(1500*time.Millisecond), "ratelimited", false))

		s.Close()
		s = open(t, path)
		s.Now = func() time.Time { return now.Add(time.Second) }
		if due, _ := s.Due(ctx, 10); len(due) != 0 {
			t.Errorf("a retry 1.5 s away is due after 1 s: %+v", due)
		}
		next, ok, err := s.NextDue(ctx)
		if err != nil || !ok || next.Before(now.Add(1500*time.Millisecond)) {
			t.Errorf("next due = %s %v %v, want no earlier than the retry time", next, ok, err)
		}
		s.Now = func() time.Time { return now.Add(2 * time.Second) }
		due, _ = s.Due(ctx, 10)
		if len(due) != 1 || due[0].Attempts != 0 || due[0].LastError != "ratelimited" {
			t.Errorf("due after the wait = %+v, want the rate-limited one with 0 counted attempts", due)
		}
		counts, _ := s.DeliveryCounts(ctx)
		if counts[article.Sent] != 1 || counts[article.Failed] != 1 || counts[article.Pending] != 1 {
			t.Errorf("counts = %v", counts)
		}
		failed, _ := s.Recent(ctx, article.Failed, 10)
		if len(failed) != 1 || failed[0].LastError != "channel_not_found" {
			t.Errorf("failed = %+v", failed)
		}
	})
}

func out(msgs ...article.Message) []Outgoing {
	var o []Outgoing
	for _, m := range msgs {
		o = append(o, Outgoing{Message: m})
	}
	return o
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPruneDeletesOldArticlesKeepsHistoryAndReclaimsSpace(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		sqlite := s.Engine() == "sqlite" // PostgreSQL's autovacuum gives space back by itself
		var mode int
		if err := s.db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); sqlite && (err != nil || mode != 2) {
			t.Fatalf("auto_vacuum = %d (%v), want 2 (incremental)", mode, err)
		}
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		var items []Item
		for i := range 3000 {
			items = append(items, Item{Article: article.Article{Feed: "Wire", Identity: fmt.Sprintf("old-%d", i), Title: "old", Content: strings.Repeat("text ", 200)}, Hash: "h",
				Matches: []article.Match{{RuleID: "r"}}, Outgoing: out(article.Alert{Channel: "#c", Title: "old"})})
		}
		s.Now = func() time.Time { return now.Add(-100 * 24 * time.Hour) }
		must(t, s.Record(ctx, article.FeedState{Name: "Wire", URL: "u"}, items))
		s.Now = func() time.Time { return now }
		must(t, s.Record(ctx, article.FeedState{Name: "Wire", URL: "u"}, []Item{{Article: article.Article{Feed: "Wire", Identity: "new"}, Hash: "h"}}))
		pagesBefore := 0
		if sqlite {
			pagesBefore = pageCount(t, s)
		}

		n, err := s.Prune(ctx, now.Add(-90*24*time.Hour))
		if err != nil || n != 3000 {
			t.Fatalf("pruned %d (%v), want 3000", n, err)
		}
		left, _ := s.Articles(ctx, time.Time{})
		if len(left) != 1 || left[0].Identity != "new" {
			t.Errorf("articles left = %+v", left)
		}
		var matches, deliveries int
		s.db.QueryRow(`SELECT COUNT(*) FROM matches`).Scan(&matches)
		s.db.QueryRow(`SELECT COUNT(*) FROM deliveries`).Scan(&deliveries)
		if matches != 3000 || deliveries != 3000 {
			t.Errorf("history lost: %d matches, %d deliveries", matches, deliveries)
		}
		if !sqlite {
			return
		}
		if after := pageCount(t, s); after >= pagesBefore/2 {
			t.Errorf("the file kept %d of %d pages: freed space not reclaimed", after, pagesBefore)
		}
	})
}

func pageCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`PRAGMA page_count`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
