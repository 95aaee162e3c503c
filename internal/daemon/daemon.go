// Package daemon wires feedwatch's pipeline: it fetches feeds on their
// schedules, finds new articles, matches them against the rules, records
// matches and their deliveries, and delivers them from the outbox. It is
// the only package that knows all the others.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/scheduler"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Fetcher fetches one feed.
type Fetcher interface {
	Fetch(ctx context.Context, src feed.Source, v feed.Validators) (feed.Result, error)
}

// Poster posts one alert and returns Slack's message ts (empty where there
// is none). Errors of type *slack.Error carry the retry decision.
type Poster interface {
	Post(ctx context.Context, a article.Alert) (string, error)
}

// Deps are the parts the daemon is built from.
type Deps struct {
	Store   *store.Store
	Fetcher Fetcher
	Poster  Poster
	Now     func() time.Time // nil: time.Now
	// RetryBase is the first delay before retrying a failed post (doubling
	// per attempt, at most 15 min); 0 means 5 s.
	RetryBase time.Duration
	// Grace is how long in-flight work may finish after Run's context
	// ends; 0 means GracePeriod.
	Grace time.Duration
}

// Daemon runs the pipeline.
type Daemon struct {
	cfg     *config.Config
	logger  *slog.Logger
	store   *store.Store
	fetcher Fetcher
	poster  Poster
	now     func() time.Time
	rules   atomic.Pointer[rules.Set]
	sem     chan struct{} // bounds concurrent fetches
	wake    chan struct{} // tells the outbox there is work

	scheduling atomic.Bool // the scheduler runs (for /readyz)
	metrics    *metrics

	lastReloadError atomic.Value // string: the rule problems last told to the ops channel
	rulesStamp      atomic.Value // string: the rule files as they were when last loaded
	addr            atomic.Value // string: where the endpoints listen

	digestMu sync.Mutex
	sched    *scheduler.Scheduler // set while Run runs
	work     context.Context      // Run's work context, for scheduled digests
	digests  map[string]digestJob // by rule id

	outboxMu  sync.Mutex
	lastPost  map[string]time.Time // per channel, for pacing
	busy      map[string]bool      // channels with a delivery worker
	workers   sync.WaitGroup       // delivery workers running
	retryBase time.Duration
	grace     time.Duration
}

// GracePeriod is how long in-flight work may finish after a stop signal.
const GracePeriod = 10 * time.Second

// New loads the rules and returns a daemon ready to Run or Once.
func New(cfg *config.Config, logger *slog.Logger, deps Deps) (*Daemon, error) {
	d := &Daemon{
		cfg:       cfg,
		logger:    logger.With("component", "daemon"),
		store:     deps.Store,
		fetcher:   deps.Fetcher,
		poster:    deps.Poster,
		now:       deps.Now,
		sem:       make(chan struct{}, cfg.Fetch.Concurrency),
		wake:      make(chan struct{}, 1),
		lastPost:  map[string]time.Time{},
		busy:      map[string]bool{},
		digests:   map[string]digestJob{},
		retryBase: deps.RetryBase,
		grace:     deps.Grace,
	}
	if d.grace <= 0 {
		d.grace = GracePeriod
	}
	if d.retryBase <= 0 {
		d.retryBase = 5 * time.Second
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.metrics = newMetrics(d.store)
	d.rulesStamp.Store(rulesStamp(cfg.RulesDir))
	set, err := rules.LoadDir(cfg.RulesDir)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	d.rules.Store(set)
	d.metrics.rulesLoaded.Set(float64(len(set.Rules)))
	d.logger.Info("rules loaded", "dir", cfg.RulesDir, "rules", len(set.Rules), "lists", len(set.Lists))
	return d, nil
}

// Rules returns the rule set in force.
func (d *Daemon) Rules() *rules.Set { return d.rules.Load() }

// PollResult says how a pass over the feeds went.
type PollResult struct {
	Feeds  int
	Failed map[string]error // by feed name
}

// PollAll polls every feed once, at most fetch.concurrency at a time. A
// failing feed is reported and does not stop the others.
func (d *Daemon) PollAll(ctx context.Context) PollResult {
	res := PollResult{Feeds: len(d.cfg.Feeds), Failed: map[string]error{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, f := range d.cfg.Feeds {
		wg.Go(func() {
			if err := d.pollLimited(ctx, f); err != nil {
				mu.Lock()
				res.Failed[f.Name] = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return res
}

// pollLimited polls f once a fetch slot is free.
// errPanic is returned for a poll that panicked.
var errPanic = errors.New("panic")

func (d *Daemon) pollLimited(ctx context.Context, f config.Feed) (err error) {
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.sem }()
	defer func() {
		// A bug on one feed's strange input must not stop the daemon.
		if r := recover(); r != nil {
			d.logger.Error("poll panicked", "feed", f.Name, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return d.poll(ctx, f)
}

// Once polls every feed, then delivers what is pending, waiting at most
// wait for retries. It returns the poll result and how many deliveries
// are still pending.
func (d *Daemon) Once(ctx context.Context, wait time.Duration) (PollResult, int, error) {
	res := d.PollAll(ctx)
	pending, err := d.drain(ctx, d.now().Add(wait))
	return res, pending, err
}

// Run polls every feed at start-up, then on schedule, delivers from the
// outbox, reloads rules when their files change and serves the health and
// metrics endpoints, until ctx ends. Then it stops scheduling and gives
// in-flight work the grace period to finish.
func (d *Daemon) Run(ctx context.Context) error {
	// Work runs on its own context so that a stop signal lets it finish;
	// it is cancelled when the grace period is over.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	sched, err := d.newScheduler(work)
	if err != nil {
		return err
	}
	if d.cfg.Server.Listen != "" {
		stopServer, err := d.serve(d.cfg.Server.Listen)
		if err != nil {
			return err
		}
		defer stopServer()
	}
	if err := d.watchRules(work); err != nil {
		d.logger.Error("rules will not reload by themselves", "err", err)
	}
	stopOutbox := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { d.runOutbox(work, stopOutbox) })
	wg.Go(func() {
		d.logError("prune", d.prune(work))
		res := d.PollAll(work)
		d.logger.Info("start-up poll done", "feeds", res.Feeds, "failed", len(res.Failed))
	})
	sched.Start()
	d.scheduling.Store(true)
	d.logger.Info("running", "feeds", len(d.cfg.Feeds), "schedule", d.cfg.Schedule, "timezone", d.cfg.Timezone)

	<-ctx.Done()
	d.logger.Info("stopping", "grace", d.grace)
	grace, cancel := context.WithTimeout(context.Background(), d.grace)
	defer cancel()
	d.scheduling.Store(false)
	close(stopOutbox) // the outbox finishes the post in flight, then returns
	if err := sched.Stop(grace); err != nil {
		d.logger.Warn("polls still running at the end of the grace period", "err", err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-grace.Done():
		d.logger.Warn("grace period over: cancelling in-flight work")
		cancelWork()
		<-done
	}
	return nil
}

// newScheduler schedules each feed's polls, the daily prune and the
// digests; work is the context the jobs run in.
func (d *Daemon) newScheduler(work context.Context) (*scheduler.Scheduler, error) {
	sched := scheduler.New(d.cfg.Location(), d.logger)
	for _, f := range d.cfg.Feeds {
		spec := f.Schedule
		if spec == "" {
			spec = d.cfg.Schedule
		}
		if _, err := sched.Add(spec, func() { d.pollLogged(work, f) }); err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
	}
	if _, err := sched.Add("0 3 * * *", func() { d.logError("prune", d.prune(work)) }); err != nil {
		return nil, err
	}
	d.digestMu.Lock()
	d.sched, d.work = sched, work
	d.digestMu.Unlock()
	d.scheduleDigests(d.Rules())
	return sched, nil
}

func (d *Daemon) logError(what string, err error, attrs ...any) {
	if err != nil {
		d.logger.Error(what, append(attrs, "err", err)...)
	}
}

func (d *Daemon) pollLogged(ctx context.Context, f config.Feed) {
	if err := d.pollLimited(ctx, f); err != nil && ctx.Err() == nil {
		d.logger.Debug("poll failed", "feed", f.Name, "err", err)
	}
}

// FlushDigest queues one digest message per channel for the matches held
// for rule, newest first, and releases them.
func (d *Daemon) FlushDigest(ctx context.Context, ruleID, ruleName, mention string) error {
	held, err := d.store.HeldFor(ctx, ruleID)
	if err != nil || len(held) == 0 {
		return err
	}
	channels, byChannel := groupByChannel(held)
	for _, ch := range channels {
		items := byChannel[ch]
		digest := article.Alert{Channel: ch, Rules: []string{ruleName}}
		if mention != "" {
			digest.Mentions = []string{mention}
		}
		// Newest first: by publication time, else by when it matched.
		when := func(h store.Delivery) time.Time {
			if !h.Alert.Published.IsZero() {
				return h.Alert.Published
			}
			return h.Created
		}
		sort.SliceStable(items, func(i, j int) bool { return when(items[i]).After(when(items[j])) })
		ids := make([]int64, len(items))
		for i, h := range items {
			ids[i] = h.ID
			digest.Digest = append(digest.Digest, article.DigestItem{Feed: h.Alert.Feed, Title: h.Alert.Title, Link: h.Alert.Link, Published: h.Alert.Published})
		}
		if err := d.store.ReleaseDigest(ctx, digest, ids); err != nil {
			return err
		}
		d.logger.Info("digest queued", "rule", ruleID, "channel", ch, "articles", len(items))
	}
	d.wakeOutbox()
	return nil
}

// prune deletes articles older than storage.retention; matches and
// deliveries stay as history.
func (d *Daemon) prune(ctx context.Context) error {
	n, err := d.store.Prune(ctx, d.now().Add(-d.cfg.Storage.Retention.D()))
	if err != nil {
		return err
	}
	if n > 0 {
		d.logger.Info("old articles pruned", "articles", n, "retention", d.cfg.Storage.Retention)
	}
	return nil
}
