// Package scheduler runs jobs on cron schedules: specs parsed safely, a
// panicking job recovered and logged, runs of one job never overlapping,
// schedules evaluated in the configured time zone.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwatch/feedwatch/internal/cronspec"
)

// Scheduler is a set of cron jobs.
type Scheduler struct {
	c      *cron.Cron
	logger *slog.Logger
}

// New returns a scheduler whose schedules run in loc. Each job is wrapped
// so that a run still going when the next is due is skipped (outermost)
// and a panic is recovered and logged (innermost): robfig/cron v3.0.1
// needs this order.
func New(loc *time.Location, logger *slog.Logger) *Scheduler {
	l := cronLogger{logger.With("component", "scheduler")}
	return &Scheduler{
		c: cron.New(
			cron.WithLocation(loc),
			cron.WithLogger(l),
			cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
		),
		logger: logger,
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

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "err", err)...)
}
