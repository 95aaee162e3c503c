package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/store"
)

const projectURL = "https://github.com/feedwatch/feedwatch"

// readConfig loads the configuration and fills in the user agent.
func readConfig(e env, path string) (*config.Config, error) {
	cfg, err := config.Load(path, e.lookupEnv)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w\n(say which configuration to use with --config FILE or FEEDWATCH_CONFIG; without them it is config.yaml in the current folder)", err)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Fetch.UserAgent == "" {
		cfg.Fetch.UserAgent = defaultUserAgent()
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

// session is what run and once share: flags parsed, config loaded, a
// logger, a context cancelled by SIGINT/SIGTERM, the database locked and
// the program built on it (app.Open).
type session struct {
	ctx    context.Context
	cfg    *config.Config
	logger *slog.Logger
	p      *app.Program
	stop   func()
}

func (s *session) close() {
	s.p.Close()
	s.stop()
}

// openSession returns nil and the exit code when the command must stop.
func openSession(ctx context.Context, e env, fs *flag.FlagSet, path *string, args []string) (*session, int) {
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return nil, code
	}
	logger := newLogger(cfg, e.stderr)
	release, err := func() { /* a dry run writes nothing: it may run next to the daemon */ }, error(nil)
	// On PostgreSQL several processes share the database: their work is
	// leased row by row (store/lease.go), not locked whole.
	if f := fs.Lookup("dry-run"); !cfg.Storage.Shared() && (f == nil || f.Value.String() != "true") {
		release, err = store.Lock(cfg.Storage.Path, fs.Name())
	}
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, exitProblems
	}
	ctx, cancel := withSignals(ctx)
	stop := func() { cancel(); release() }
	p, err := app.Open(ctx, cfg, app.Options{Stdout: e.stdout, Logger: logger, Answer: fs.Name() == "run", Version: buildVersion()})
	if err != nil {
		stop()
		fmt.Fprintln(e.stderr, err)
		return nil, exitUsage
	}
	return &session{ctx: ctx, cfg: cfg, logger: logger, p: p, stop: stop}, exitOK
}

// defaultUserAgent is the User-Agent sent when fetch.user_agent is empty.
func defaultUserAgent() string { return fmt.Sprintf("feedwatch/%s (+%s)", buildVersion(), projectURL) }
