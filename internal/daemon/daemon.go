// Package daemon wires feedwatch's pipeline: it fetches feeds on their
// schedules, keeps what is new, matches it against the rules, records
// matches with their deliveries and hands them to the outbox. It is the
// only package that knows all the others; each stage lives in its own.
package daemon

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/delivery"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/poll"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/scheduler"
	"github.com/feedwatch/feedwatch/internal/story"
)

// Store is what the daemon needs of the database: the poll's part, the
// outbox's part, and its own.
type Store interface {
	poll.Store
	delivery.Store
	StoryHeads(ctx context.Context, channel string, since time.Time) ([]article.Delivery, error)
	Prune(ctx context.Context, cutoff time.Time) (int64, error)
	SetMeta(ctx context.Context, key, value string) error
	scheduler.Claimer
}

// Fetcher fetches a feed, Transport posts a message (package app builds both).
type (
	Fetcher   = poll.Fetcher
	Transport = delivery.Transport
)

// Deps are the parts the daemon is built from.
type Deps struct {
	Store     Store
	Fetcher   poll.Fetcher
	Transport delivery.Transport
	Now       func() time.Time // nil: time.Now
	RetryBase time.Duration    // the first delay before a failed post is retried (doubling, ≤ 15 min); 0: 5 s
	Grace     time.Duration    // how long in-flight work may finish after Run's context ends; 0: GracePeriod
	PostGap   time.Duration    // the least time between two posts to one channel; 0: Slack's pace (1 s); tests shorten it
}

// setup is what a configuration reload replaces as a whole.
type setup struct {
	poll.Setup
	retryBase, postGap time.Duration
}

// Daemon runs the pipeline.
type Daemon struct {
	logger  *slog.Logger
	store   Store
	now     func() time.Time
	grace   time.Duration
	metrics *metrics.Metrics
	outbox  *delivery.Outbox
	poller  *poll.Poller
	setup   atomic.Pointer[setup]
	rules   *rules.Live
	corpus  *story.Corpus // word rarity in recent articles, for story threading

	running      atomic.Bool                   // Run is serving (for /readyz and Reload)
	also         atomic.Pointer[func() string] // a part beside the daemon, for /readyz (AlsoReady)
	addr         atomic.Value                  // string: where the endpoints listen
	rulesWatch   atomic.Value                  // string: why the rules folder is not watched, or ""
	dbProblem    atomic.Value                  // string: what checkDatabase last found wrong, or ""
	reloads      chan reload
	rulesChanged chan struct{}
}

// GracePeriod is how long in-flight work may finish after a stop signal.
const GracePeriod = 10 * time.Second

// New loads the rules and returns a daemon ready to Run or Once.
func New(cfg *config.Config, logger *slog.Logger, deps Deps) (*Daemon, error) {
	d := &Daemon{
		logger:       logger.With("component", "daemon"),
		store:        deps.Store,
		now:          deps.Now,
		grace:        cmp.Or(deps.Grace, GracePeriod),
		reloads:      make(chan reload),
		rulesChanged: make(chan struct{}, 1),
		corpus:       story.NewCorpus(),
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.metrics = metrics.New(func(ctx context.Context) (int, error) {
		counts, err := d.store.DeliveryCounts(ctx)
		return counts[article.Pending], err
	})
	s := &setup{poll.Setup{Cfg: cfg, Fetcher: deps.Fetcher, Sem: make(chan struct{}, cfg.Fetch.Concurrency)}, cmp.Or(deps.RetryBase, 5*time.Second), deps.PostGap}
	d.setup.Store(s)
	d.outbox = delivery.New(d.store, d.outboxSettings(s, deps.Transport), story.Threader(d.store.StoryHeads, d.corpus, d.now), d.metrics.Delivered, d.now, logger)
	d.poller = poll.New(poll.Deps{Store: d.store, Observe: d.metrics, Next: d.outbox, Logger: d.logger, Now: d.now, Corpus: d.corpus})
	set, err := rules.Check(cfg.RulesDir, cfg.Feeds)
	if err != nil {
		return nil, fmt.Errorf("rules in %s:\n%w", cfg.RulesDir, err)
	}
	d.rules = rules.NewLive(cfg.RulesDir, set, func(set *rules.Set) { // status shows the rules in force
		_ = d.store.SetMeta(context.Background(), "rules_in_force", set.InForce()) // only informative
	})
	d.metrics.RulesLoaded.Set(float64(len(set.Rules)))
	d.logger.Info("rules loaded", "dir", cfg.RulesDir, "rules", len(set.Rules), "lists", len(set.Lists))
	return d, nil
}

func (d *Daemon) outboxSettings(s *setup, t delivery.Transport) delivery.Settings {
	ops := ""
	if t.Capabilities().OpsChannel {
		ops = s.Cfg.Slack.OpsChannel
	}
	return delivery.Settings{Transport: t, OpsChannel: ops, Gap: s.postGap, FloodAt: s.Cfg.Slack.FloodAfter, GroupWait: s.Cfg.Slack.GroupWait.D(), Policy: delivery.Policy{
		First: s.retryBase, Max: 15 * time.Minute, GiveUpAfter: s.Cfg.Slack.GiveUpAfter.D(),
	}}
}

// Metrics are the daemon's metrics, for the command that runs it.
func (d *Daemon) Metrics() *metrics.Metrics { return d.metrics }

// Rules returns the rule set in force.
func (d *Daemon) Rules() *rules.Set { return d.rules.Set() }

func (d *Daemon) config() *config.Config { return d.setup.Load().Cfg }

// pollSetup is what a poll runs with now: the setup in force, the rules
// in force, and what the transport in force can do.
func (d *Daemon) pollSetup() poll.Setup {
	ps := d.setup.Load().Setup
	ps.Rules, ps.OpsChannel, ps.PerRule = d.Rules(), d.outbox.OpsChannel(), d.outbox.Capabilities().PerRuleChannels
	return ps
}

// PollResult says how a pass over the feeds went.
type PollResult = poll.Result

// PollAll polls every feed once (poll.Poller.All).
func (d *Daemon) PollAll(ctx context.Context) PollResult {
	return d.poller.All(ctx, d.pollSetup())
}

// OnceResult is what a pass of Once leaves: how the feeds went, and the
// deliveries still pending at its deadline with why (a refused token,
// delivery paused, the last error a post met, retries due later).
type OnceResult struct {
	PollResult
	Pending int
	Why     string
}

// Once does Run's start-up steps, polls every feed (or as narrowed), then
// delivers until nothing is pending or wait is over; a dry run only polls.
func (d *Daemon) Once(ctx context.Context, wait time.Duration, narrow ...poll.Narrow) (OnceResult, error) {
	deadline, s := d.now().Add(wait), d.pollSetup()
	if len(narrow) > 0 {
		s.Narrow = narrow[0]
	}
	if s.Preview != nil { // threading is decided when posting: no word statistics needed
		return OnceResult{PollResult: d.poller.All(ctx, s)}, nil
	}
	d.startUp(ctx)
	polled := d.poller.All(ctx, s)
	pending, why, err := d.outbox.Drain(ctx, deadline)
	return OnceResult{polled, pending, why}, err
}

// startUp is what run and once do before their first poll: release what
// a dead process left claimed, check the token (a refused one holds
// posting), have the word statistics learned when first needed, report
// each feed's recorded health, prune, and post the matches held for a
// rule that collects no digest now.
func (d *Daemon) startUp(ctx context.Context) {
	d.outbox.ReleaseClaims(ctx)
	if err := d.outbox.Verify(ctx); err != nil && d.outbox.Refused() == "" {
		d.logger.Warn("could not verify the Slack token at start-up", "err", err)
	}
	d.corpus.LearnOnUse(func() { d.poller.LearnCorpus(ctx) }) // when a report is first compared
	d.poller.ReportHealth(ctx, d.config().Feeds)
	d.prune(ctx)
	d.outbox.ReleaseStranded(ctx, d.Rules().Digest)
}

func (d *Daemon) pollScheduled(ctx context.Context, f config.Feed) {
	if err := d.poller.Poll(ctx, d.pollSetup(), f); err != nil && ctx.Err() == nil {
		d.logger.Debug("poll failed", "feed", f.Name, "err", err)
	}
}

// FlushDigest queues the digest of the matches held for a rule.
func (d *Daemon) FlushDigest(ctx context.Context, ruleID, ruleName, mention string) error {
	return d.outbox.FlushDigest(ctx, ruleID, ruleName, mention)
}

// prune deletes articles older than storage.retention; matches and
// deliveries stay as history.
func (d *Daemon) prune(ctx context.Context) {
	cfg := d.config()
	n, err := d.store.Prune(ctx, d.now().Add(-cfg.KeepArticles()))
	if err != nil {
		d.logger.Error("prune", "err", err)
		return
	}
	if n > 0 {
		d.logger.Info("old articles pruned", "articles", n, "kept_for", cfg.KeepArticles())
	}
}
