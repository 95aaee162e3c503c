package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/interact"
	"github.com/feedwatch/feedwatch/internal/poll"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/slack"
	"go.yaml.in/yaml/v3"
)

func cmdRun(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "run", "", "Runs the daemon: polls every feed at start-up, then on schedule; matches, records and\ndelivers; stops on SIGINT/SIGTERM after letting in-flight work finish (10 s at most).")
	s, code := openSession(ctx, e, fs, path, args)
	if s == nil {
		return code
	}
	defer s.close()
	s.logger.Info("feedwatch starting", "version", buildVersion(), "config", s.cfg.Path, "delivery", app.Mode(s.cfg))
	done := make(chan error, 1)
	go func() { done <- s.p.Run(s.ctx) }()
	for {
		select {
		case err := <-done:
			if err != nil {
				s.logger.Error("daemon stopped", "err", err)
				return exitProblems
			}
			s.logger.Info("feedwatch stopped")
			return exitOK
		case <-e.hup:
			s.logger.Info("SIGHUP: reloading the configuration and rules", "config", *path)
			s.p.ReloadFile(s.ctx, func() (*config.Config, error) { return readConfig(e, *path) })
		}
	}
}

func cmdOnce(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "once", "[--wait 60s] [--feed NAME [--force]] [--dry-run]", "Polls every feed once, delivers what is pending (waiting at most --wait for retries), and exits.\nExit status 0 when every alert went out; 1 when an alert failed for good, is still pending\nafter --wait, or no feed could be polled (each failed or is backing off): so that a cron\njob learns about lost alerts. Feeds that failed or were skipped are listed either way.\n--feed polls one feed, --force even while it backs off after failures; --dry-run records\nand posts nothing and prints what would be posted (it may run next to the daemon).")
	wait := durationVar(fs, "wait", 60*time.Second, "wait at most this `DURATION` for pending deliveries (90s, 5m…)")
	var narrow poll.Narrow
	fs.StringVar(&narrow.Feed, "feed", "", "poll only the feed of this `NAME`")
	fs.BoolVar(&narrow.Force, "force", false, "poll even a feed that is backing off after failures")
	dry := fs.Bool("dry-run", false, "record and post nothing; print what would be posted")
	s, code := openSession(ctx, e, fs, path, args)
	if s == nil {
		return code
	}
	defer s.close()
	if narrow.Feed != "" && !hasFeed(e, s.cfg, narrow.Feed) {
		return exitUsage
	}
	if *dry {
		return dryRun(s, e, narrow)
	}
	before, _ := s.p.Store.DeliveryCounts(s.ctx)
	res, err := s.p.Daemon.Once(s.ctx, *wait, narrow)
	after, _ := s.p.Store.DeliveryCounts(s.ctx)
	failed, skipped := reportFeeds(e, res.PollResult)
	lost := after[article.Failed] - before[article.Failed]
	fmt.Fprintf(e.stderr, "polled %d feeds: %d failed, %d skipped; %d alerts failed for good, %d still pending\n",
		res.Feeds, failed, skipped, lost, res.Pending)
	if res.Pending > 0 {
		fmt.Fprintf(e.stderr, "%d deliveries still pending after --wait %s: %s; the next run or once posts them\n", res.Pending, *wait, res.Why)
	}
	switch {
	case err != nil:
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	case lost > 0 || res.Pending > 0 || res.Feeds > 0 && failed+skipped == res.Feeds:
		return exitProblems
	}
	return exitOK
}

// reportFeeds lists the feeds that failed or were skipped, and counts them.
func reportFeeds(e env, res daemon.PollResult) (failed, skipped int) {
	names := make([]string, 0, len(res.Failed))
	for name := range res.Failed {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var b *poll.BackingOff
		if errors.As(res.Failed[name], &b) {
			skipped++
		} else {
			failed++
		}
		fmt.Fprintf(e.stderr, "feed %q: %v\n", name, res.Failed[name])
	}
	return failed, skipped
}

func cmdCheck(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "check", "[--slack]", "Validates the configuration and every rule and lists file, and runs every rule's tests:.\nPrints every problem with file:line:col. With a bot token, asks Slack whether the token is good;\nwith --slack also whether every configured channel exists and the bot is in it. Exit status 1\nwhen a rule or test has a problem, 2 when the configuration (or the token, or a channel) does.")
	withSlack := fs.Bool("slack", false, "also check that every channel exists and the bot can post to it")
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		if code == exitUsage {
			alsoRules(e, *path) // every mistake at once: the rules too, as far as they can be judged
		}
		return code
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d feeds, delivery: %s", cfg.Path, len(cfg.Feeds), app.Mode(cfg))
	if cfg.Slack.Token != "" || cfg.Slack.WebhookURL != "" {
		fmt.Fprintf(e.stdout, ", secret %s", "[redacted]")
	}
	fmt.Fprintln(e.stdout)
	if !verifyToken(ctx, e, cfg) || !verifyDatabase(ctx, e, cfg) {
		return exitUsage
	}
	set, err := rules.Check(cfg.RulesDir, cfg.Feeds) // as start-up and every reload judge them
	if *withSlack && !checkChannels(ctx, e, cfg, set) {
		return exitUsage
	}
	problems := diag.List(cfg.RulesDir, err)
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if set != nil {
		for _, w := range set.Warnings() {
			fmt.Fprintln(e.stdout, "warning:", w)
		}
	}
	if len(cfg.Feeds) == 0 {
		fmt.Fprintf(e.stdout, "warning: %s: no feeds are configured: nothing will be polled (add some under feeds:)\n", cfg.Path)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "%d problem(s)\n", len(problems))
		return exitProblems
	}
	tests := 0
	for _, r := range set.Rules {
		tests += len(r.Tests)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d rules, %d lists, %d tests passed\n", cfg.RulesDir, len(set.Rules), len(set.Lists), tests)
	return exitOK
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return slack.UTC(t)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func cmdHealthcheck(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "healthcheck", "", "Asks the running daemon's /readyz (at server.listen) and exits 0 when it is ready, 1 when\nit is not or does not answer: for Docker's HEALTHCHECK and similar probes.")
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	if cfg.Server.Listen == "" {
		fmt.Fprintln(e.stderr, "feedwatch healthcheck: server.listen is empty: the daemon serves no endpoints")
		return exitUsage
	}
	host, port, _ := net.SplitHostPort(cfg.Server.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(e.stderr, "not ready:", err)
		return exitProblems
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprint(e.stdout, string(body))
	if resp.StatusCode != http.StatusOK {
		return exitProblems
	}
	return exitOK
}

// verifyToken asks Slack whether the configured bot token is good
// (auth.test). A refused token is a configuration error; Slack out of
// reach is only noted, so that check works offline (systemd's
// ExecStartPre runs it at boot).
func verifyToken(ctx context.Context, e env, cfg *config.Config) bool {
	bot, ok := app.NewTransport(cfg, e.stdout).(*slack.Bot)
	if !ok {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := bot.Verify(ctx)
	var se *slack.Error
	switch {
	case err == nil:
		fmt.Fprintln(e.stdout, "slack.token: ok (auth.test)")
	case errors.As(err, &se) && se.Unauthorized():
		fmt.Fprintf(e.stdout, "slack.token: Slack refused the token (%s): set a valid bot token\n", se.Reason)
		return false
	default:
		fmt.Fprintf(e.stdout, "slack.token: not verified, Slack could not be reached: %v\n", err)
	}
	if !cfg.Slack.Interactive() {
		return true
	}
	switch refused, err := interact.VerifyAppToken(ctx, cfg); {
	case err == nil:
		fmt.Fprintln(e.stdout, "slack.app_token: ok (apps.connections.open): buttons and /feedwatch will be heard")
	case refused:
		fmt.Fprintf(e.stdout, "slack.app_token: Slack refused the app-level token (%v): make one with connections:write under Basic Information → App-Level Tokens\n", err)
		return false
	default:
		fmt.Fprintf(e.stdout, "slack.app_token: not verified, Slack could not be reached: %v\n", err)
	}
	return true
}

// checkChannels asks Slack about every channel alerts go to: the default
// one, the ops channel and each rule's.
func checkChannels(ctx context.Context, e env, cfg *config.Config, set *rules.Set) bool {
	bot, ok := app.NewTransport(cfg, e.stdout).(*slack.Bot)
	if !ok {
		fmt.Fprintln(e.stdout, "channels: not checked: only a bot token can ask Slack about channels")
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	good := true
	channels := configuredChannels(cfg, set)
	for i, ch := range channels {
		c := bot.CheckChannel(ctx, ch)
		switch {
		case c.Scope != "": // the shipped manifest grants posting only: say so once
			fmt.Fprintf(e.stdout, "channels %s: not checked: the token lacks the %s scopes, which telling whether a channel exists and the bot is in it needs (posting does not; add them to the app as docs/slack-app-manifest.yaml says)\n",
				strings.Join(channels[i:], ", "), c.Scope)
			return good
		case c.Unreachable != nil:
			fmt.Fprintf(e.stdout, "channels %s: not checked, Slack could not be reached: %v\n", strings.Join(channels[i:], ", "), c.Unreachable)
			return good
		}
		fmt.Fprintln(e.stdout, c)
		good = good && c.OK
	}
	return good
}

// configuredChannels are the channels alerts and notices go to.
func configuredChannels(cfg *config.Config, set *rules.Set) []string {
	seen := map[string]bool{}
	var out []string
	add := func(ch string) {
		if ch != "" && !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	add(cfg.Slack.Channel)
	add(cfg.Slack.OpsChannel)
	if set != nil {
		for _, r := range set.Rules {
			add(r.Channel)
		}
	}
	return out
}

func cmdSendTest(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "send-test", "", "Posts a short test message to every channel alerts go to (the default one, the ops channel,\neach rule's), as the daemon would: to see that they arrive and look right. Exit status 1\nwhen a post fails.")
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	set, _ := rules.LoadDir(cfg.RulesDir)
	t := app.NewTransport(cfg, e.stdout)
	host, _ := os.Hostname()
	failed := false
	channels := configuredChannels(cfg, set)
	if !t.Capabilities().PerRuleChannels {
		channels = []string{cfg.Slack.Channel} // a webhook has one channel
	}
	for _, ch := range channels {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := t.Post(pctx, article.Notice{Channel: ch, Text: fmt.Sprintf("feedwatch %s on %s: a test message. Alerts for this channel will look like the ones this installation posts.", buildVersion(), host)})
		cancel()
		if err != nil {
			fmt.Fprintf(e.stdout, "%s: %v\n", ch, secret.Redact(err.Error()))
			failed = true
			continue
		}
		fmt.Fprintf(e.stdout, "%s: sent\n", ch)
	}
	if failed {
		return exitProblems
	}
	return exitOK
}

// alsoRules reports the problems of the rules a configuration that has
// problems of its own names (rules_dir, else rules/ next to it), so that
// check shows config and rule mistakes together. Feeds cannot be judged
// without the configuration, so rules naming feeds are not checked here.
func alsoRules(e env, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var partial struct {
		RulesDir string `yaml:"rules_dir"`
	}
	yaml.Unmarshal(data, &partial)
	dir := cmp.Or(partial.RulesDir, "rules")
	if strings.Contains(dir, "${") {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(path), dir)
	}
	if _, err := rules.LoadDir(dir); err != nil {
		for _, p := range diag.List(dir, err) {
			fmt.Fprintln(e.stdout, p)
		}
	}
}
