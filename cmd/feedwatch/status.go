package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/store"
)

func cmdStatus(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "status", "[-o json]", "Shows each feed's health (last success, failures, next poll), the rules loaded,\ndeliveries pending and failed, and the most recent alerts.")
	format := formatVar(fs)
	cfg, st, code := parseAndOpen(ctx, e, fs, path, args)
	if st == nil {
		return code
	}
	defer st.Close()
	if *format == "json" {
		if err := statusJSON(ctx, e, cfg, st); err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitProblems
		}
		return exitOK
	}
	if err := printFeeds(ctx, e, cfg, st); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	printRules(ctx, e, cfg, st)
	if sls, err := st.Silences(ctx, false); err == nil && len(sls) > 0 {
		fmt.Fprintf(e.stdout, "\nSilences in force (feedwatch silence list):\n")
		for _, sl := range sls {
			fmt.Fprintf(e.stdout, "  #%d %s until %s, by %s: %s (held %d)\n", sl.ID, sl.What(), when(sl.Ends), sl.By, sl.Reason, sl.Silenced)
		}
	}
	if prec, err := st.Precision(ctx, time.Now()); err == nil && len(prec) > 0 {
		fmt.Fprintf(e.stdout, "\nPrecision from analysts' feedback, last 30 days (feedwatch feedback):\n")
		printPrecision(e, cfg, prec)
	}
	if err := printDeliveries(ctx, e, st); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	return exitOK
}

// printFeeds shows each configured feed's health.
func printFeeds(ctx context.Context, e env, cfg *config.Config, st *store.Store) error {
	byName, err := feedStates(ctx, st)
	if err != nil {
		return err
	}
	running, who := daemonRunning(ctx, cfg, st)
	if running {
		fmt.Fprintf(e.stdout, "Daemon: running: %s\n\n", who)
	} else {
		fmt.Fprintf(e.stdout, "Daemon: not running (feeds are polled only by feedwatch run, or once)\n\n")
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FEED\tLAST SUCCESS\tFAILURES\tNEXT POLL\tLAST ERROR")
	for _, f := range cfg.Feeds {
		s := byName[f.Name]
		next := "-"
		if running {
			next = nextPoll(cfg, f, s, time.Now())
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", f.Name, when(s.LastSuccess), s.Failures, next, oneLine(secret.Redact(s.LastError), 80))
	}
	return w.Flush()
}

// printRules shows the rules the daemon has in force and, when they
// differ, those on disk.
func printRules(ctx context.Context, e env, cfg *config.Config, st *store.Store) {
	inForce, since, recorded, _ := st.Meta(ctx, "rules_in_force")
	running, _ := daemonRunning(ctx, cfg, st)
	running = running && recorded
	if running {
		fmt.Fprintf(e.stdout, "\nRules in force (loaded %s): %s\n", when(since), refsSummary(inForce))
	}
	set, err := rules.LoadDir(cfg.RulesDir)
	switch {
	case err != nil:
		fmt.Fprintf(e.stdout, "Rules on disk: %s has problems, so the rules in force stay (run 'feedwatch check'):\n%v\n", cfg.RulesDir, err)
	case !running || set.InForce() != inForce:
		fmt.Fprintf(e.stdout, "\nRules on disk (%d): %s\n", len(set.Rules), set.Summary())
	}
}

// refsSummary names the rules a daemon recorded as in force (Set.InForce),
// the disabled ones marked.
func refsSummary(inForce string) string {
	var refs []rules.RuleRef
	if json.Unmarshal([]byte(inForce), &refs) != nil {
		return inForce // recorded by an older feedwatch: names already
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
		if !r.Enabled {
			names[i] += " (disabled)"
		}
	}
	return strings.Join(names, ", ")
}

// printDeliveries counts the outbox and lists recent failures and posts.
func printDeliveries(ctx context.Context, e env, st *store.Store) error {
	counts, err := st.DeliveryCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nDeliveries: %d sent, %d pending, %d failed, %d held for digests, %d merged into earlier posts or digests\n",
		counts[article.Sent], counts[article.Pending], counts[article.Failed], counts[article.Held], counts[article.Merged])
	failed, err := st.Recent(ctx, article.Failed, 10)
	if err != nil {
		return err
	}
	for _, d := range failed {
		fmt.Fprintf(e.stdout, "  failed %s %s %q: %s\n", when(d.Updated), d.Channel(), oneLine(headline(d.Message), 60), secret.Redact(d.LastError))
	}
	recent, err := st.Recent(ctx, "", 10)
	if err != nil {
		return err
	}
	if len(recent) > 0 {
		fmt.Fprintln(e.stdout, "\nRecent alerts:")
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0) // columns line up whatever the channel names
	for _, d := range recent {
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t[%s]\n", when(d.Created), d.State, d.Channel(), oneLine(headline(d.Message), 70), strings.Join(article.Summary(d.Message).Rules, ", "))
	}
	return w.Flush()
}

// headline is what status shows of a message: an alert's title, else its kind.
func headline(m article.Message) string {
	if u := article.Summary(m); u.Title != "" || u.Kind == "alert" {
		return u.Title
	}
	return "(" + article.Summary(m).Kind + ")"
}

func cmdRetry(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "retry", "[--since 7d]", "Queues the deliveries that failed for good (invalid_auth, channel_not_found, …) again, as\nnew, once their cause is fixed: a running daemon posts them within a minute, or run 'once'.")
	since := fs.String("since", "7d", "only deliveries that failed within this `DURATION`")
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	d, err := config.ParseDuration(*since)
	if err != nil {
		fmt.Fprintf(e.stderr, "feedwatch retry: --since: %v\n", err)
		return exitUsage
	}
	st, code := openExisting(ctx, e, cfg)
	if st == nil {
		return code
	}
	defer st.Close()
	n, err := st.Requeue(ctx, time.Now().Add(-d))
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	fmt.Fprintf(e.stdout, "%d failed deliveries queued again\n", n)
	return exitOK
}

// nextPoll is when a feed is polled next: its schedule's next run, or, for
// a feed backing off after failures, the first run after that.
func nextPoll(cfg *config.Config, f config.Feed, st article.FeedState, now time.Time) string {
	next, backingOff, ok := nextPollAt(cfg, f, st, now)
	switch {
	case !ok:
		return "?"
	case backingOff:
		return when(next) + " (backing off)"
	}
	return when(next)
}

// nextPollAt is when a running daemon polls the feed next, and whether it
// is backing off after failures until then.
func nextPollAt(cfg *config.Config, f config.Feed, st article.FeedState, now time.Time) (next time.Time, backingOff, ok bool) {
	sched, err := cronspec.Parse(cfg.FeedSchedule(f))
	if err != nil {
		return time.Time{}, false, false
	}
	from := now
	if st.NextDue.After(now) {
		from = st.NextDue.Add(-time.Second)
	}
	return sched.Next(from.In(cfg.Location())).UTC(), st.NextDue.After(now), true
}

// daemonRunning says whether a feedwatch run holds the database now, and
// the holder's own words; on PostgreSQL, whether any process said it was
// alive within a lease, and which.
func daemonRunning(ctx context.Context, cfg *config.Config, st *store.Store) (bool, string) {
	if cfg.Storage.Shared() {
		ps, err := st.Processes(ctx)
		if err != nil || len(ps) == 0 {
			return false, ""
		}
		return true, processesLine(ps)
	}
	who, held := store.Holder(cfg.Storage.Path)
	return held && strings.HasPrefix(who, "feedwatch run"), who
}

// processesLine names the processes sharing a PostgreSQL database and the
// leases each holds now.
func processesLine(ps []store.Process) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.String())
	}
	return fmt.Sprintf("%d process(es) on this database: %s", len(ps), strings.Join(parts, "; "))
}

// verifyDatabase reaches a PostgreSQL database and reads its schema
// version and who works on it, changing nothing; false when it cannot be
// reached or was written by a newer feedwatch. A SQLite file is made by
// the first run: nothing to verify.
func verifyDatabase(ctx context.Context, e env, cfg *config.Config) bool {
	if !cfg.Storage.Shared() {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := store.ProbePostgres(ctx, string(cfg.Storage.URL), cfg.Storage.Lease.D())
	if err != nil {
		fmt.Fprintf(e.stdout, "%s: storage.url: %v\n", cfg.Path, err)
		return false
	}
	if p.Version > p.Known {
		fmt.Fprintf(e.stdout, "%s: storage.url: the database's schema is version %d, written by a newer feedwatch; this one knows up to %d: upgrade it first\n", cfg.Path, p.Version, p.Known)
		return false
	}
	state := fmt.Sprintf("schema version %d of %d", p.Version, p.Known)
	if p.Version < p.Known {
		state += " (the first process to start migrates it)"
	}
	alive := "no process alive on it"
	if len(p.Processes) > 0 {
		alive = processesLine(p.Processes)
	}
	fmt.Fprintf(e.stdout, "database: %s: reachable, %s; %s\n", cfg.Storage.Where(), state, alive)
	return true
}

func cmdConfig(_ context.Context, e env, args []string) int {
	fs, path := flags(e, "config", "", "Prints the configuration as feedwatch uses it — after ${VAR}, the environment's defaults\nand the built-in ones — with where each value came from. Secrets show as [redacted].")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	settings, err := config.Effective(*path, e.lookupEnv)
	if err != nil {
		fmt.Fprintln(e.stderr, secret.Redact(err.Error()))
		return exitUsage
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	for _, s := range settings {
		if s.Key == "fetch.user_agent" && s.Value == "" { // what is sent, not an empty line
			s.Value, s.Source = defaultUserAgent(), "default (fetch.user_agent is empty)"
		}
		fmt.Fprintf(w, "%s:\t%s\t# %s\n", s.Key, secret.Redact(s.Value), s.Source)
	}
	w.Flush()
	return exitOK
}

// parseAndOpen is parseConfig, then openExisting: how a command that
// reads the database begins. A nil store comes with the exit code.
func parseAndOpen(ctx context.Context, e env, fs *flag.FlagSet, path *string, args []string) (*config.Config, *store.Store, int) {
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return nil, nil, code
	}
	st, code := openExisting(ctx, e, cfg)
	return cfg, st, code
}

// openExisting opens the database of a command that reads what the daemon
// recorded: a missing one is said, not created.
func openExisting(ctx context.Context, e env, cfg *config.Config) (*store.Store, int) {
	if _, err := os.Stat(cfg.Storage.Path); err != nil && !cfg.Storage.Shared() {
		fmt.Fprintf(e.stderr, "no database at %s: feedwatch has not run with this configuration yet (%v)\n", cfg.Storage.Path, diag.Cause(err))
		return nil, exitProblems
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, exitUsage
	}
	return st, exitOK
}

// feedStates are the feeds' recorded states, by name.
func feedStates(ctx context.Context, st *store.Store) (map[string]article.FeedState, error) {
	states, err := st.FeedStates(ctx)
	byName := map[string]article.FeedState{}
	for _, s := range states {
		byName[s.Name] = s
	}
	return byName, err
}

// openStore opens the database the configuration names, its leases as
// long as the configuration says (they judge which processes are alive).
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Storage.Target())
	if err != nil {
		return nil, err
	}
	st.Lease = cfg.Storage.Lease.D()
	return st, nil
}
