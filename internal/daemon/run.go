package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/delivery"
	"github.com/feedwatch/feedwatch/internal/poll"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/scheduler"
)

// Run polls every feed at start-up, then on schedule, delivers from the
// outbox, reloads rules when their files change, applies configuration
// reloads (Reload) and serves the health and metrics endpoints, until ctx
// ends. Then it stops scheduling and gives in-flight work the grace period
// to finish.
func (d *Daemon) Run(ctx context.Context) error {
	// Work runs on its own context: a stop lets it finish, the grace period's end cancels it.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	cfg := d.config()
	var wg sync.WaitGroup
	rt := &runtime{d: d, work: &wg}
	sched, err := rt.schedule(work, cfg)
	if err != nil {
		return err
	}
	if err := rt.serve(cfg.Server.Listen); err != nil {
		return err
	}
	defer func() { rt.stopServer() }() // the server in force at the end
	rt.watch(work, cfg.RulesDir)
	d.startUp(work)
	stopOutbox := make(chan struct{})
	wg.Go(func() { d.outbox.Run(work, stopOutbox) })
	wg.Go(func() { d.PollAll(work).Log(work, d.logger, "start-up poll done") })
	wg.Go(d.corpus.Learn) // the word statistics, beside the start-up poll: ready for the first alert
	rt.start(work, sched)
	d.running.Store(true)
	d.logger.Info("running", "feeds", len(cfg.Feeds), "schedule", cfg.Schedule, "timezone", cfg.Timezone)
	health := time.NewTicker(healthEvery)
	defer health.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case req := <-d.reloads:
			req.done <- rt.apply(work, req)
		case <-d.rulesChanged:
			rt.scheduleDigests(work, d.Rules())
		case <-health.C:
			d.checkDatabase(work)
		}
	}
	rt.shutdown(stopOutbox, cancelWork)
	return nil
}

// shutdown stops scheduling and gives in-flight work the grace period,
// then cancels it.
func (rt *runtime) shutdown(stopOutbox chan struct{}, cancelWork context.CancelFunc) {
	d := rt.d
	d.running.Store(false)
	d.logger.Info("shutting down", "grace", d.grace)
	grace, cancel := context.WithTimeout(context.Background(), d.grace)
	defer cancel()
	close(stopOutbox) // the outbox finishes the post in flight, then returns
	if err := rt.sched.Stop(grace); err != nil {
		d.logger.Warn("polls still running at the end of the grace period", "err", err)
	}
	done := make(chan struct{})
	go func() { rt.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-grace.Done():
		d.logger.Warn("grace period over: cancelling in-flight work")
		cancelWork()
		<-done
	}
}

// healthEvery is how often Run checks the database file is the one it opened.
const healthEvery = 30 * time.Second

// checkDatabase logs, once, a database that stopped answering or whose
// file was deleted or replaced; /readyz reports it as long as it lasts.
func (d *Daemon) checkDatabase(ctx context.Context) {
	now := ""
	if err := d.store.Ping(ctx); err != nil {
		now = err.Error()
	}
	if was, _ := d.dbProblem.Swap(now).(string); now != was && now != "" {
		d.logger.Error("database", "err", now)
	} else if now != was {
		d.logger.Info("database answers again")
	}
}

// runtime is what Run owns while it runs: the scheduler with its digest
// jobs, the endpoints' server and the rules watcher.
type runtime struct {
	d           *Daemon
	sched       *scheduler.Scheduler // with the digests of the rules in force
	stopServer  func()
	listen      string
	stopWatcher context.CancelFunc
	work        *sync.WaitGroup // work Run waits for when it stops
}

// schedule makes a scheduler for cfg: each feed's polls, the daily prune
// and the digests. It is not started.
func (rt *runtime) schedule(work context.Context, cfg *config.Config) (*scheduler.Scheduler, error) {
	d := rt.d
	sched := scheduler.New(cfg.Location(), d.logger, d.store) // digests and pruning: once across processes
	for _, f := range cfg.Feeds {
		if _, err := sched.Add(cfg.FeedSchedule(f), func() { d.pollScheduled(work, f) }); err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
	}
	if _, err := sched.AddOnce("prune", "0 3 * * *", func() { d.prune(work) }); err != nil {
		return nil, err
	}
	return sched, nil
}

// start makes sched the one in force, with the rules' digests on it.
func (rt *runtime) start(work context.Context, sched *scheduler.Scheduler) {
	rt.sched = sched
	rt.scheduleDigests(work, rt.d.Rules())
	sched.Start()
}

// watch reloads the rules when their files change, until work ends or the
// watch is replaced.
func (rt *runtime) watch(work context.Context, dir string) {
	if rt.stopWatcher != nil {
		rt.stopWatcher()
	}
	ctx, cancel := context.WithCancel(work)
	rt.stopWatcher = cancel
	d := rt.d
	d.rulesWatch.Store("")
	err := rules.Watch(ctx, dir, rules.Watcher{
		Loaded:  func() string { _, stamp := d.rules.Dir(); return stamp },
		Changed: func() { _ = d.ReloadRules(ctx) }, // problems are logged and reported there
		Status: func(err error) {
			if err != nil {
				d.logger.Error("rules cannot be watched: edits are not seen until they can", "err", err)
				d.rulesWatch.Store(err.Error())
				return
			}
			d.logger.Info("watching the rules again", "dir", dir)
			d.rulesWatch.Store("")
		},
	})
	if err != nil {
		d.logger.Error("rules will not reload by themselves", "err", err)
		d.rulesWatch.Store(err.Error())
	}
}

// reload is a configuration to apply, with the parts built from it.
type reload struct {
	cfg       *config.Config
	fetcher   poll.Fetcher
	transport delivery.Transport
	done      chan error
}

// Reload applies a new configuration to the running daemon in place:
// feeds, schedules, fetching, Slack settings, the listen address and the
// rules folder, with the rules on disk judged as feedwatch check judges
// them (rules.Check). Only new feeds (or with a new URL) are polled at once;
// the others keep their schedule, and metrics keep counting. If any part
// cannot be applied (a schedule, the listen address…) nothing changes and
// the error says why. storage.path and log settings need a restart.
func (d *Daemon) Reload(ctx context.Context, cfg *config.Config, f poll.Fetcher, t delivery.Transport) error {
	if !d.running.Load() {
		return errors.New("the daemon is not running")
	}
	req := reload{cfg: cfg, fetcher: f, transport: t, done: make(chan error, 1)}
	select {
	case d.reloads <- req:
		return <-req.done
	case <-ctx.Done():
		return ctx.Err()
	}
}

// apply is Reload, in Run's goroutine.
func (rt *runtime) apply(work context.Context, req reload) error {
	d, old := rt.d, rt.d.setup.Load()
	if was, is := old.Cfg.Storage, req.cfg.Storage; was.Target() != is.Target() {
		return fmt.Errorf("the database changed (%s → %s): restart feedwatch to use another database", was.Where(), is.Where())
	}
	stamp := rules.Stamp(req.cfg.RulesDir)
	set, err := rules.Check(req.cfg.RulesDir, req.cfg.Feeds) // the rules on disk, with the new feeds: as feedwatch check judges them
	if err != nil {
		return fmt.Errorf("rules in %s:\n%w", req.cfg.RulesDir, err)
	}
	sched, err := rt.schedule(work, req.cfg)
	if err != nil {
		return err
	}
	if req.cfg.Server.Listen != rt.listen {
		if err := rt.serve(req.cfg.Server.Listen); err != nil {
			return err
		}
	}
	s := &setup{poll.Setup{Cfg: req.cfg, Fetcher: req.fetcher, Sem: old.Sem}, old.retryBase, old.postGap}
	if cap(old.Sem) != req.cfg.Fetch.Concurrency {
		s.Sem = make(chan struct{}, req.cfg.Fetch.Concurrency)
	}
	d.setup.Store(s)
	d.putRules(req.cfg.RulesDir, stamp, set)
	d.outbox.Apply(d.outboxSettings(s, req.transport))
	oldSched := rt.sched
	go func() { _ = oldSched.Stop(work) }() // polls in flight finish on the old settings
	rt.start(work, sched)
	for _, f := range req.cfg.FeedsChangedFrom(old.Cfg) {
		rt.work.Go(func() { d.pollScheduled(work, f) })
	}
	if req.cfg.RulesDir != old.Cfg.RulesDir {
		rt.watch(work, req.cfg.RulesDir)
	}
	d.logger.Info("configuration applied", "feeds", len(req.cfg.Feeds), "listen", req.cfg.Server.Listen)
	return nil
}
