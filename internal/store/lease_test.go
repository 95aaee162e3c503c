package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// Two processes on one PostgreSQL database: a feed is polled by one, a
// stalled poll's results are discarded once another took the feed over,
// a channel is posted to by one at a time with its pace kept, and a
// scheduled run happens once.
func TestLeasesGiveEachPieceOfWorkToOneProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testutil.Postgres(t)
	a, b := open(t, url), open(t, url)
	now := time.Now()
	a.Now, b.Now = func() time.Time { return now }, func() time.Time { return now }
	a.Lease, b.Lease = time.Minute, time.Minute
	fresh := func() time.Time { return now.Add(-30 * time.Second) }

	if ok, err := a.LeaseFeed(ctx, "Wire", "u", fresh); !ok || err != nil {
		t.Fatalf("a's lease = %v, %v", ok, err)
	}
	if ok, _ := b.LeaseFeed(ctx, "Wire", "u", fresh); ok {
		t.Fatal("two processes leased one feed")
	}
	polled := article.FeedState{Name: "Wire", URL: "u", LastAttempt: now, LastSuccess: now}
	must(t, a.Record(ctx, polled, []Item{{Article: article.Article{Feed: "Wire", Identity: "1"}, Hash: "h"}}))
	if ok, _ := b.LeaseFeed(ctx, "Wire", "u", fresh); ok {
		t.Fatal("a feed polled for this due time was leased again")
	}

	// Next due time: a leases it and stalls past its lease; b takes over and
	// records; a's late results are discarded, all of them.
	later := now.Add(5 * time.Minute)
	a.Now = func() time.Time { return later }
	if ok, _ := a.LeaseFeed(ctx, "Wire", "u", func() time.Time { return later.Add(-30 * time.Second) }); !ok {
		t.Fatal("the next due time could not be leased")
	}
	b.Now = func() time.Time { return later.Add(2 * time.Minute) }
	if ok, _ := b.LeaseFeed(ctx, "Wire", "u", func() time.Time { return later.Add(-30 * time.Second) }); !ok {
		t.Fatal("an expired lease was not taken over")
	}
	must(t, b.Record(ctx, polled, nil))
	a.Now = b.Now
	err := a.Record(ctx, polled, []Item{{Article: article.Article{Feed: "Wire", Identity: "late"}, Hash: "h", Matches: []article.Match{{RuleID: "r"}},
		Outgoing: out(article.Alert{Channel: "#c", Title: "late"})}})
	if !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a stale poll's record = %v, want ErrLeaseLost", err)
	}
	var n int
	if err := a.db.QueryRow(`SELECT count(*) FROM articles WHERE identity = 'late'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d articles of the stale poll recorded (%v)", n, err)
	}

	// Channels: one poster at a time; the last post's time goes with it.
	if ok, _, err := a.LeaseChannel(ctx, "#c"); !ok || err != nil {
		t.Fatalf("a's channel lease = %v, %v", ok, err)
	}
	if ok, _, _ := b.LeaseChannel(ctx, "#c"); ok {
		t.Fatal("two processes post to one channel")
	}
	must(t, a.Enqueue(ctx, article.Notice{Channel: "#c", Text: "hello"}))
	due, _ := a.Due(ctx, 10)
	mustClaim(t, a, due[0].ID)
	must(t, a.MarkSent(ctx, due[0].ID, "ts", nil))
	must(t, a.ReleaseChannel(ctx, "#c"))
	ok, last, err := b.LeaseChannel(ctx, "#c")
	if !ok || err != nil || last.IsZero() || last.Sub(a.Now()).Abs() > 2*time.Second {
		t.Errorf("b's channel lease after a let go = %v, %v, %v; want it with a's last post", ok, last, err)
	}

	slot := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	if ok, _ := a.ClaimRun(ctx, "digest:anbar", slot); !ok {
		t.Fatal("the first claim of a run was refused")
	}
	if ok, _ := b.ClaimRun(ctx, "digest:anbar", slot); ok {
		t.Fatal("a scheduled run ran twice")
	}
}

// Processes starting together on a new database migrate it once: the
// others wait for the advisory lock and find it done.
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	url := testutil.Postgres(t)
	errs := make(chan error, 5)
	for range 5 {
		go func() {
			s, err := Open(context.Background(), url)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 5 {
		if err := <-errs; err != nil {
			t.Errorf("a process starting beside others: %v", err)
		}
	}
	s := open(t, url)
	var n, v int
	if err := s.db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil || n != 2 || v != 10 {
		t.Errorf("schema_migrations: %d rows up to version %d (%v); want the PostgreSQL schema (9) and 10, once each", n, v, err)
	}
}

// A heartbeat lists this process and forgets what processes gone a day
// ago said, and runs claimed a week ago.
func TestAHeartbeatListsThisProcessAndForgetsTheLongGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, testutil.Postgres(t))
	s.Lease = time.Minute
	old := time.Now().Add(-8 * 24 * time.Hour).Unix()
	for _, q := range []string{
		`INSERT INTO processes (owner, host, pid, version, started, heartbeat) VALUES ('gone', 'h', 1, 'v', 1, ` + fmt.Sprint(old) + `)`,
		`INSERT INTO job_runs (job, slot, owner, at) VALUES ('prune', 1, 'gone', ` + fmt.Sprint(old) + `)`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.Beat(ctx, "v9", time.Now()))
	ps, err := s.Processes(ctx)
	if err != nil || len(ps) != 1 || ps[0].Owner != s.Owner || ps[0].Version != "v9" {
		t.Errorf("processes = %+v, %v; want this one alone", ps, err)
	}
	var n int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM processes) + (SELECT count(*) FROM job_runs)`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows left (%v); want this process's only", n, err)
	}
	must(t, s.Leave(ctx))
	if ps, _ := s.Processes(ctx); len(ps) != 0 {
		t.Errorf("after Leave: %+v", ps)
	}
}
