// Package app builds feedwatch from a configuration — the store, the
// fetcher, the transport and the daemon — the one way every entry point
// does: run and once (cmd/feedwatch), a SIGHUP reload, the daemon's
// tests and the benchmarks. What differs between them is only what
// Options says (a clock, a faster retry for tests); the parts are the
// same (as Alertmanager's app.Run or WTF Dial's Main build theirs).
//
// The database lock (store.Lock) and signals stay with the command: they
// belong to the process, not to the program it runs.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/interact"
	"github.com/feedwatch/feedwatch/internal/slack"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Options are what the caller gives beyond the configuration. The zero
// value is what feedwatch run uses.
type Options struct {
	Stdout io.Writer        // where console mode prints alerts; nil: discarded
	Logger *slog.Logger     // nil: discarded
	Now    func() time.Time // the clock of the store, the fetcher and the daemon; nil: time.Now
	// Tests shorten these (daemon.Deps); 0 means feedwatch's own.
	RetryBase, PostGap, Grace time.Duration
	// Fetcher, when set, replaces the fetcher built from the configuration
	// (a test's fault injection); so does Transport for the transport.
	Fetcher   daemon.Fetcher
	Transport daemon.Transport
	// WrapStore, when set, wraps the store the daemon uses (faults).
	WrapStore func(*store.Store) daemon.Store
	// Answer says the process answers Slack (feedwatch run): with an app
	// token, alerts carry buttons and Run listens over Socket Mode. once
	// does not, so it posts no buttons nobody would answer.
	Answer bool
	// Version is what this process says it runs, beside the others sharing
	// a PostgreSQL database (feedwatch status lists them).
	Version string
}

// Program is feedwatch built from a configuration: its daemon and the
// store it writes.
type Program struct {
	Daemon   *daemon.Daemon
	Store    *store.Store
	Listener *interact.Listener // Socket Mode, when slack.app_token is set with a bot token; else nil
	opts     Options
}

// Open opens the database storage names (a SQLite file or PostgreSQL) and
// builds the daemon on it.
func Open(ctx context.Context, cfg *config.Config, o Options) (*Program, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := store.Open(ctx, cfg.Storage.Target())
	if err != nil {
		return nil, err
	}
	st.Lease = cfg.Storage.Lease.D()
	if o.Now != nil {
		st.Now = o.Now
	}
	var ds daemon.Store = st
	if o.WrapStore != nil {
		ds = o.WrapStore(st)
	}
	fetcher, transport := o.parts(cfg)
	d, err := daemon.New(cfg, o.Logger, daemon.Deps{Store: ds, Fetcher: fetcher, Transport: transport, Now: o.Now,
		RetryBase: o.RetryBase, PostGap: o.PostGap, Grace: o.Grace})
	if err != nil {
		st.Close()
		return nil, err
	}
	p := &Program{Daemon: d, Store: st, opts: o}
	d.Metrics().WatchSilences(func(ctx context.Context) (int, error) { return st.SilencesInForce(ctx, st.Now()) })
	if cfg.Slack.Interactive() && o.Answer {
		p.listen(cfg)
	}
	d.AlsoReady(p.ready)
	return p, nil
}

// listen builds the Socket Mode listener beside the daemon: it reads the
// rules in force and the feeds failing from the daemon, and reports on
// /readyz and in the metrics through it.
func (p *Program) listen(cfg *config.Config) {
	m := p.Daemon.Metrics()
	p.Listener = interact.New(cfg, interact.Deps{
		Store: p.Store, Rules: p.Daemon.Rules, Failing: m.Failing, Logger: p.opts.Logger, Now: p.opts.Now,
		Verdict: func(rule, verdict string) { m.RuleFeedback.WithLabelValues(rule, verdict).Inc() },
	})
	m.WatchPrecision(func(ctx context.Context) (map[string]float64, error) {
		est, err := p.Store.Precision(ctx, p.Store.Now()) // the store's clock: the options' when set
		out := map[string]float64{}
		for rule, e := range est {
			out[rule] = e.Estimate
		}
		return out, err
	})
}

// ready is what /readyz says beyond the daemon: the Socket Mode
// listener's problem; on PostgreSQL, a note of the schema version and the
// processes alive with their leases ("note: " lines are said, not failing:
// server.Note).
func (p *Program) ready() string {
	if p.Listener != nil {
		if why := p.Listener.Problem(); why != "" {
			return why
		}
	}
	if p.Store.Engine() != "postgres" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, err := p.Store.SchemaVersion(ctx)
	ps, err2 := p.Store.Processes(ctx)
	if err != nil || err2 != nil {
		return "" // the daemon's own check says the database does not answer
	}
	alive := make([]string, 0, len(ps))
	for _, pr := range ps {
		alive = append(alive, pr.String())
	}
	return fmt.Sprintf("note: database %s: schema version %d; %d process(es) alive: %s", p.Store.Where(), v, len(ps), strings.Join(alive, ", "))
}

// Run runs the daemon (daemon.Run) and, when configured, the Socket Mode
// listener beside it, until ctx ends; both finish their work in hand.
func (p *Program) Run(ctx context.Context) error {
	if p.Store.Engine() == "postgres" {
		go p.beat(ctx)
		defer p.leave()
	}
	if p.Listener == nil {
		return p.Daemon.Run(ctx)
	}
	heard := make(chan error, 1)
	go func() { heard <- p.Listener.Run(ctx) }()
	err := p.Daemon.Run(ctx)
	<-heard
	return err
}

// leave tells the other processes this one stopped, its work in hand
// finished: what it leased is theirs at once.
func (p *Program) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Store.Leave(ctx); err != nil {
		p.opts.Logger.Warn("could not tell the other processes this one stopped: its leases end by themselves", "err", err)
	}
}

// beat says this process is alive to the others sharing the database,
// and reads the database's clock again, four times a lease, until ctx
// ends.
func (p *Program) beat(ctx context.Context) {
	started := time.Now()
	t := time.NewTicker(max(p.Store.Lease/4, time.Second))
	defer t.Stop()
	for {
		if err := p.Store.Beat(ctx, p.opts.Version, started); err != nil && ctx.Err() == nil {
			p.opts.Logger.Warn("could not tell the other processes this one is alive", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close closes the database.
func (p *Program) Close() error { return p.Store.Close() }

// Reload applies cfg to the running daemon in place, with a fetcher and a
// transport built from it as Open builds them, and records the outcome
// (feedwatch_config_last_reload_successful). On any problem nothing
// changes and the error says why.
func (p *Program) Reload(ctx context.Context, cfg *config.Config) error {
	fetcher, transport := p.opts.parts(cfg)
	err := p.Daemon.Reload(ctx, cfg, fetcher, transport)
	p.Daemon.Metrics().ConfigReloaded(err == nil)
	if err == nil && p.Listener != nil {
		p.Listener.Apply(cfg)
	}
	if err == nil && p.opts.Answer && (p.Listener != nil) != cfg.Slack.Interactive() {
		p.opts.Logger.Warn("answering from Slack was switched on or off (slack.app_token): that takes a restart")
	}
	return err
}

// ReloadFile reads the configuration again with read and applies it
// (Reload): what SIGHUP does. Problems are logged; the daemon keeps
// running as it was.
func (p *Program) ReloadFile(ctx context.Context, read func() (*config.Config, error)) {
	log := p.opts.Logger
	cfg, err := read()
	if err != nil {
		p.Daemon.Metrics().ConfigReloaded(false)
		log.Error("configuration not reloaded: keeping the one in force", "problems", err.Error())
		return
	}
	if err := p.Reload(ctx, cfg); err != nil {
		log.Error("configuration not reloaded: keeping the one in force", "err", err)
		return
	}
	log.Info("configuration reloaded", "feeds", len(cfg.Feeds), "delivery", Mode(cfg))
}

func (o Options) parts(cfg *config.Config) (daemon.Fetcher, daemon.Transport) {
	var f daemon.Fetcher = NewFetcher(cfg, o.Now)
	if o.Fetcher != nil {
		f = o.Fetcher
	}
	t := NewTransport(cfg, o.Stdout)
	if bot, ok := t.(*slack.Bot); ok && o.Answer && cfg.Slack.Interactive() {
		bot.WithButtons()
	}
	if o.Transport != nil {
		t = o.Transport
	}
	return f, t
}

// DefaultUserAgent is sent when neither fetch.user_agent nor the command
// (which adds its version) says otherwise.
const DefaultUserAgent = "feedwatch (+https://github.com/feedwatch/feedwatch)"

// NewFetcher is the fetcher cfg asks for: its time-out, size limit, user
// agent and concurrency; now (nil: time.Now) judges absurd dates.
func NewFetcher(cfg *config.Config, now func() time.Time) *feed.Fetcher {
	ua := cfg.Fetch.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	f := feed.NewFetcher(cfg.Fetch.Timeout.D(), int64(cfg.Fetch.MaxBody), ua).WithConcurrency(cfg.Fetch.Concurrency)
	if now != nil {
		f.Now = now
	}
	return f
}

// NewTransport is the delivery mode cfg asks for: a bot token, an
// incoming webhook, or the console (stdout) when Slack is not configured.
func NewTransport(cfg *config.Config, stdout io.Writer) daemon.Transport {
	client := &http.Client{Timeout: 30 * time.Second}
	switch {
	case cfg.Slack.Token != "":
		return slack.NewBot(cfg.Slack.Token.Reveal(), cfg.Slack.APIURL, client, cfg.Slack.Unfurl)
	case cfg.Slack.WebhookURL != "":
		return slack.NewWebhook(cfg.Slack.WebhookURL.Reveal(), client, cfg.Slack.Unfurl)
	}
	return slack.NewConsole(stdout)
}

// Mode names where alerts go, for logs and check.
func Mode(cfg *config.Config) string {
	switch {
	case cfg.Slack.Interactive():
		return "bot token (chat.postMessage), with buttons and /feedwatch over Socket Mode (app token)"
	case cfg.Slack.Token != "":
		return "bot token (chat.postMessage); no buttons (no slack.app_token)"
	case cfg.Slack.WebhookURL != "":
		return "incoming webhook"
	}
	return "console (no Slack configured: alerts are printed to standard output)"
}
