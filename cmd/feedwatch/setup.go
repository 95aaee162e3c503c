package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/delivery"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/slack"
	"github.com/feedwatch/feedwatch/internal/store"
)

const projectURL = "https://github.com/feedwatch/feedwatch"

// readConfig loads the configuration and fills in the user agent.
func readConfig(e env, path string) (*config.Config, error) {
	cfg, err := config.Load(path, e.lookupEnv)
	if err != nil {
		return nil, err
	}
	if cfg.Fetch.UserAgent == "" {
		cfg.Fetch.UserAgent = fmt.Sprintf("feedwatch/%s (+%s)", buildVersion(), projectURL)
	}
	return cfg, nil
}

// loadConfig loads the configuration, printing its problems.
func loadConfig(e env, path string) (*config.Config, bool) {
	cfg, err := readConfig(e, path)
	if err != nil {
		fmt.Fprintln(e.stderr, secret.Redact(err.Error()))
		return nil, false
	}
	return cfg, true
}

// newLogger writes cfg's log format and level to w; no record carries a
// secret, whatever its spelling (internal/secret).
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(secret.NewHandler(h, cfg.Slack.Token.Reveal(), cfg.Slack.WebhookURL.Reveal()))
}

// parseConfig parses a command's flags and loads the configuration; on
// failure (or -h) it returns nil and the exit code, having said why.
func parseConfig(e env, fs *flag.FlagSet, path *string, args []string) (*config.Config, int) {
	if code, ok := parse(fs, args); !ok {
		return nil, code
	}
	cfg, ok := loadConfig(e, *path)
	if !ok {
		return nil, exitUsage
	}
	return cfg, exitOK
}

// slackMode names where alerts go, for logs and check.
func slackMode(cfg *config.Config) string {
	switch {
	case cfg.Slack.Token != "":
		return "bot token (chat.postMessage)"
	case cfg.Slack.WebhookURL != "":
		return "incoming webhook"
	}
	return "console (no Slack configured: alerts are printed to standard output)"
}

// newTransport picks the delivery mode from the configuration.
func newTransport(cfg *config.Config, stdout io.Writer) delivery.Transport {
	client := &http.Client{Timeout: 30 * time.Second}
	switch {
	case cfg.Slack.Token != "":
		return slack.NewBot(cfg.Slack.Token.Reveal(), cfg.Slack.APIURL, client, cfg.Slack.Unfurl)
	case cfg.Slack.WebhookURL != "":
		return slack.NewWebhook(cfg.Slack.WebhookURL.Reveal(), client, cfg.Slack.Unfurl)
	}
	return slack.NewConsole(stdout)
}

// newDaemon builds a daemon on an open store.
func newDaemon(e env, cfg *config.Config, logger *slog.Logger, st *store.Store) (*daemon.Daemon, error) {
	return daemon.New(cfg, logger, daemon.Deps{
		Store:     st,
		Fetcher:   newFetcher(cfg),
		Transport: newTransport(cfg, e.stdout),
	})
}

func newFetcher(cfg *config.Config) *feed.Fetcher {
	return feed.NewFetcher(cfg.Fetch.Timeout.D(), int64(cfg.Fetch.MaxBody), cfg.Fetch.UserAgent).WithConcurrency(cfg.Fetch.Concurrency)
}

// session is what run and once share: flags parsed, config loaded, a
// logger, a context cancelled by SIGINT/SIGTERM, the store and the daemon.
type session struct {
	ctx    context.Context
	cfg    *config.Config
	logger *slog.Logger
	st     *store.Store
	d      *daemon.Daemon
	stop   func()
}

func (s *session) close() {
	s.st.Close()
	s.stop()
}

// openSession returns nil and the exit code when the command must stop.
func openSession(ctx context.Context, e env, fs *flag.FlagSet, path *string, args []string) (*session, int) {
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return nil, code
	}
	logger := newLogger(cfg, e.stderr)
	release, err := store.Claim(cfg.Storage.Path, fs.Name())
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, exitProblems
	}
	ctx, cancel := withSignals(ctx)
	stop := func() { cancel(); release() }
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		stop()
		fmt.Fprintln(e.stderr, err)
		return nil, exitUsage
	}
	d, err := newDaemon(e, cfg, logger, st)
	if err != nil {
		st.Close()
		stop()
		fmt.Fprintln(e.stderr, err)
		return nil, exitUsage
	}
	return &session{ctx: ctx, cfg: cfg, logger: logger, st: st, d: d, stop: stop}, exitOK
}

// reload applies the configuration file again to the running daemon. On
// any problem it logs it and the daemon keeps running as it was.
func (s *session) reload(e env, path string) {
	cfg, err := readConfig(e, path)
	if err != nil {
		s.d.Metrics().ConfigReloaded(false)
		s.logger.Error("configuration not reloaded: keeping the one in force", "problems", err.Error())
		return
	}
	if err := s.d.Reload(s.ctx, cfg, newFetcher(cfg), newTransport(cfg, e.stdout)); err != nil {
		s.d.Metrics().ConfigReloaded(false)
		s.logger.Error("configuration not reloaded: keeping the one in force", "err", err)
		return
	}
	s.d.Metrics().ConfigReloaded(true)
	s.cfg = cfg
	s.logger.Info("configuration reloaded", "feeds", len(cfg.Feeds), "delivery", slackMode(cfg))
}
