// Package scheduler runs jobs on cron schedules: specs parsed safely, a
// panicking job recovered and logged, runs of one job never overlapping,
// schedules evaluated in the configured time zone.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwatch/feedwatch/internal/cronspec"
)

// Scheduler is a set of cron jobs.
type Scheduler struct {
	c      *cron.Cron
	logger *slog.Logger
	claims Claimer
	mu     sync.Mutex
	keyed  map[string]keyedJob // jobs managed by Sync
}

// Claimer decides which process runs a job's run due at slot, when
// several processes run the same schedules (on PostgreSQL, the store's
// ClaimRun): the first to claim it.
type Claimer interface {
	ClaimRun(ctx context.Context, job string, slot time.Time) (bool, error)
}

type keyedJob struct {
	id   ID
	spec string
}

// New returns a scheduler whose schedules run in loc. Each job is wrapped
// so that a run still going when the next is due is skipped (outermost)
// and a panic is recovered and logged (innermost): robfig/cron v3.0.1
// needs this order. A job added under a name (AddOnce, Job.Once) runs only
// when claims grants its run (nil grants every run).
func New(loc *time.Location, logger *slog.Logger, claims Claimer) *Scheduler {
	l := cronLogger{logger} // the caller's component: a key given twice confuses JSON log readers
	return &Scheduler{
		c: cron.New(
			cron.WithLocation(loc),
			cron.WithLogger(l),
			cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
		),
		logger: logger,
		claims: claims,
		keyed:  map[string]keyedJob{},
	}
}

// ID names a scheduled job, for Remove.
type ID = cron.EntryID

// Add runs job on spec. It returns an error for a bad spec, never panics.
func (s *Scheduler) Add(spec string, job func()) (ID, error) {
	sched, err := cronspec.Parse(spec)
	if err != nil {
		return 0, err
	}
	return s.c.Schedule(sched, cron.FuncJob(job)), nil
}

// AddOnce runs job on spec, once per time it is due across the processes
// sharing the claims: name names it there.
func (s *Scheduler) AddOnce(name, spec string, job func()) (ID, error) {
	sched, err := cronspec.Parse(spec)
	if err != nil {
		return 0, err
	}
	return s.c.Schedule(sched, cron.FuncJob(s.once(name, sched, job))), nil
}

// claimWait bounds how long a run waits to learn whether it is this
// process's: a database out of reach skips the run rather than hang it.
const claimWait = 30 * time.Second

// once is job, run only when this process claims the run due now.
func (s *Scheduler) once(name string, sched cron.Schedule, job func()) func() {
	if s.claims == nil {
		return job
	}
	return func() {
		slot := cronspec.Slot(sched, time.Now())
		ctx, cancel := context.WithTimeout(context.Background(), claimWait)
		ok, err := s.claims.ClaimRun(ctx, name, slot)
		cancel()
		if err != nil {
			s.logger.Error("scheduled job skipped: whether another process runs it cannot be read", "job", name, "due", slot, "err", err)
			return
		}
		if !ok {
			s.logger.Debug("scheduled job run by another process", "job", name, "due", slot)
			return
		}
		job()
	}
}

// Job is a job under a key, for Sync; with Once set, it runs once per
// time it is due across processes, under that name (AddOnce).
type Job struct {
	Spec string
	Run  func()
	Once string
}

// Sync makes the jobs it manages those of want: a key not in want is
// removed, a key whose spec changed is scheduled again, a new key is
// added. It returns the problems of specs that do not parse.
func (s *Scheduler) Sync(want map[string]Job) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, j := range s.keyed {
		if w, ok := want[key]; !ok || w.Spec != j.spec {
			s.Remove(j.id)
			delete(s.keyed, key)
		}
	}
	var errs []error
	for key, w := range want {
		if _, ok := s.keyed[key]; ok {
			continue
		}
		add := s.Add
		if w.Once != "" {
			add = func(spec string, job func()) (ID, error) { return s.AddOnce(w.Once, spec, job) }
		}
		id, err := add(w.Spec, w.Run)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			continue
		}
		s.keyed[key] = keyedJob{id: id, spec: w.Spec}
	}
	return errs
}

// Remove stops scheduling the job; a run in progress finishes.
func (s *Scheduler) Remove(id ID) { s.c.Remove(id) }

// Start starts running jobs in the background.
func (s *Scheduler) Start() { s.c.Start() }

// Stop stops scheduling new runs and waits until running jobs finish or
// ctx ends. Jobs should watch their own context: Stop does not cancel them.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.c.Stop()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: jobs still running: %w", ctx.Err())
	}
}

// cronLogger adapts slog to cron's logger; cron's routine messages are
// debug-level.
type cronLogger struct{ l *slog.Logger }

// Info passes robfig/cron's notes on at debug level, but not its per-tick
// chatter (wake, run, schedule, added, removed: a line per job per tick
// that names only internal entry numbers).
func (c cronLogger) Info(msg string, kv ...any) {
	switch msg {
	case "wake", "run", "schedule", "added", "removed":
		return
	}
	c.l.Debug(msg, kv...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "err", err)...)
}
