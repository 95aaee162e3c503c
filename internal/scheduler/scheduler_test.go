package scheduler

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

func TestSpecsThatPanicCronAreErrors(t *testing.T) {
	s := New(time.UTC, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	for _, spec := range []string{"CRON_TZ=UTC", "TZ=Europe/Paris", "", "61 * * * *", "@every", "@every -1s", "* * *"} {
		if _, err := s.Add(spec, func() {}); err == nil {
			t.Errorf("spec %q accepted", spec)
		}
	}
	for _, spec := range []string{"*/5 * * * *", "@hourly", "@every 10m", "CRON_TZ=Asia/Baghdad 0 8 * * *"} {
		if _, err := s.Add(spec, func() {}); err != nil {
			t.Errorf("spec %q: %v", spec, err)
		}
	}
}

func TestAPanickingJobIsLoggedAndRunsAgain(t *testing.T) {
	var mu atomic.Int32
	out := &testutil.Buffer{}
	s := New(time.UTC, slog.New(slog.NewTextHandler(out, nil)), nil)
	if _, err := s.Add("@every 1s", func() {
		mu.Add(1)
		panic("boom")
	}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	testutil.Eventually(t, 5*time.Second, "a second run after the panic", func() bool { return mu.Load() >= 2 })
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mu.Load() < 2 {
		t.Fatalf("job ran %d times; the panic stopped the schedule", mu.Load())
	}
	if !strings.Contains(out.String(), "boom") {
		t.Errorf("panic not logged:\n%s", out.String())
	}
}

func TestRunsOfOneJobNeverOverlap(t *testing.T) {
	out := &testutil.Buffer{}
	s := New(time.UTC, slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	release := make(chan struct{})
	var running, maxRunning, runs atomic.Int32
	if _, err := s.Add("@every 1s", func() {
		n := running.Add(1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		runs.Add(1)
		<-release // the first run lasts until a later tick has come and been skipped
		running.Add(-1)
	}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	testutil.Eventually(t, 10*time.Second, "a tick skipped while the first run lasts", func() bool {
		return strings.Contains(out.String(), "msg=skip")
	})
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if maxRunning.Load() != 1 || runs.Load() != 1 {
		t.Errorf("%d runs, up to %d at once; want the one run, the tick during it skipped", runs.Load(), maxRunning.Load())
	}
}

func TestSyncAddsChangesAndRemovesKeyedJobs(t *testing.T) {
	s := New(time.UTC, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	nop := func() {}
	if errs := s.Sync(map[string]Job{"a": {Spec: "@hourly", Run: nop}, "b": {Spec: "@daily", Run: nop}, "bad": {Spec: "CRON_TZ=UTC", Run: nop}}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "bad") {
		t.Errorf("errors = %v, want one naming the bad key", errs)
	}
	before := map[string]ID{"a": s.keyed["a"].id, "b": s.keyed["b"].id}
	s.Sync(map[string]Job{"a": {Spec: "@hourly", Run: nop}, "b": {Spec: "@weekly", Run: nop}})
	if s.keyed["a"].id != before["a"] {
		t.Error("an unchanged job was rescheduled")
	}
	if s.keyed["b"].id == before["b"] || s.keyed["b"].spec != "@weekly" {
		t.Error("a changed spec was not rescheduled")
	}
	s.Sync(nil)
	if len(s.keyed) != 0 || len(s.c.Entries()) != 0 {
		t.Errorf("%d keyed jobs, %d cron entries left after syncing to none", len(s.keyed), len(s.c.Entries()))
	}
}

// runs is a Claimer shared by several schedulers, as the database is by
// several processes: the first to claim a run gets it.
type runs struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *runs) ClaimRun(_ context.Context, job string, slot time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := job + "@" + slot.Format(time.RFC3339Nano)
	if r.seen[key] {
		return false, nil
	}
	r.seen[key] = true
	return true, nil
}

func TestAJobAddedOnceRunsOncePerDueTimeAcrossSchedulers(t *testing.T) {
	t.Parallel()
	claims := &runs{seen: map[string]bool{}}
	var ran atomic.Int32
	var scheds []*Scheduler
	for range 3 {
		s := New(time.UTC, slog.New(slog.DiscardHandler), claims)
		if _, err := s.AddOnce("digest:x", "@every 1s", func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
		s.Start()
		scheds = append(scheds, s)
	}
	time.Sleep(3500 * time.Millisecond)
	for _, s := range scheds {
		_ = s.Stop(context.Background())
	}
	slots := len(claims.seen)
	if n := int(ran.Load()); n != slots || slots < 2 || slots > 4 {
		t.Errorf("three schedulers ran the job %d times for %d due times, want once each", n, slots)
	}
}

func TestASlotIsTheTimeTheRunWasDue(t *testing.T) {
	t.Parallel()
	sched, err := cronspec.Parse("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, fired := range []time.Time{due.Add(3 * time.Millisecond), due.Add(1500 * time.Millisecond), due.Add(40 * time.Second)} {
		if got := cronspec.Slot(sched, fired); !got.Equal(due) {
			t.Errorf("fired at %s: slot %s, want %s", fired.Format(time.StampMilli), got, due)
		}
	}
}
