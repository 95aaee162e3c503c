package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/store"
)

// cmdFeeds lists the configured feeds (config.yaml's and feeds_file's)
// with where each is written and its recorded health; "feeds export"
// writes them as an OPML list instead.
func cmdFeeds(ctx context.Context, e env, args []string) int {
	export := len(args) > 0 && args[0] == "export"
	if export {
		args = args[1:]
	}
	fs, path := flags(e, "feeds", "[export] [-o json]", "Lists every feed configured (in config.yaml and its feeds_file) with its tags, where it\nis written, its last success and consecutive failures. 'feeds export' prints them as\nan OPML subscription list, which feeds_file reads back and feed readers import.")
	format := formatVar(fs)
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	if export {
		if err := config.WriteOPML(e.stdout, "feedwatch feeds", cfg.Feeds); err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitProblems
		}
		return exitOK
	}
	rows := feedRows(cfg, knownStates(ctx, cfg))
	if *format == "json" {
		return writeJSON(e, rows)
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FEED\tTAGS\tSCHEDULE\tLAST SUCCESS\tFAILURES\tFROM\tURL")
	for _, r := range rows {
		last := "never"
		if r.LastSuccess != nil {
			last = when(*r.LastSuccess)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Name, dash(strings.Join(r.Tags, ",")), r.Schedule, last, r.Failures, r.From, r.URL)
	}
	w.Flush()
	return exitOK
}

// feedRow is one feed as feedwatch feeds shows it.
type feedRow struct {
	Name        string     `json:"name"`
	URL         string     `json:"url"`
	Tags        []string   `json:"tags"`
	Schedule    string     `json:"schedule"`
	Timezone    string     `json:"timezone,omitempty"`
	From        string     `json:"from"`
	LastSuccess *time.Time `json:"last_success"`
	Failures    int        `json:"failures"`
	LastError   string     `json:"last_error,omitempty"`
}

func feedRows(cfg *config.Config, states map[string]article.FeedState) []feedRow {
	rows := make([]feedRow, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		s := states[f.Name]
		r := feedRow{Name: f.Name, URL: secret.Redact(f.URL), Tags: append([]string{}, f.Tags...), Schedule: cmp.Or(f.Schedule, cfg.Schedule),
			Timezone: f.Timezone, From: cfg.Path, Failures: s.Failures, LastError: secret.Redact(s.LastError)}
		if f.Origin != "" {
			r.From = fmt.Sprintf("%s:%d", f.Origin, f.Line)
		}
		if !s.LastSuccess.IsZero() {
			t := s.LastSuccess.UTC()
			r.LastSuccess = &t
		}
		rows = append(rows, r)
	}
	return rows
}

// cmdRules lists the rules on disk: id, name, where they post, which
// feeds they read, digest or not, and how many tests they carry.
func cmdRules(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "rules", "[-o json]", "Lists the rules in rules_dir: id, name, channel, mention, feeds, digest schedule,\nenabled or not, and the number of tests. Problems are reported as 'feedwatch check' does.")
	format := formatVar(fs)
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	set, err := rules.LoadDir(cfg.RulesDir)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	type row struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		File     string   `json:"file"`
		Channel  string   `json:"channel"`
		Mention  string   `json:"mention,omitempty"`
		Feeds    []string `json:"feeds"`
		Digest   string   `json:"digest,omitempty"`
		Enabled  bool     `json:"enabled"`
		Tests    int      `json:"tests"`
		Query    string   `json:"query"`
		Describe string   `json:"description,omitempty"`
		// Precision is from analysts' feedback over 30 days (-1: none yet).
		Precision float64 `json:"precision"`
	}
	prec := knownPrecision(ctx, cfg)
	rows := make([]row, 0, len(set.Rules))
	for _, r := range set.Rules {
		rows = append(rows, row{ID: r.ID, Name: r.Name, File: r.File, Channel: cmp.Or(r.Channel, cfg.Slack.Channel), Mention: r.Mention,
			Feeds: append([]string{}, r.Feeds...), Digest: r.Digest, Enabled: r.Enabled, Tests: len(r.Tests), Query: r.Query, Describe: r.Description, Precision: precisionOf(prec, r.ID).Estimate})
	}
	if *format == "json" {
		return writeJSON(e, rows)
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RULE\tNAME\tCHANNEL\tFEEDS\tDIGEST\tENABLED\tTESTS\tPRECISION")
	for _, r := range rows {
		feeds := strings.Join(r.Feeds, ",")
		if feeds == "" {
			feeds = "all"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%t\t%d\t%s\n", r.ID, r.Name, r.Channel, feeds, dash(r.Digest), r.Enabled, r.Tests, precisionOf(prec, r.ID))
	}
	w.Flush()
	return exitOK
}

// knownPrecision is each rule's precision from feedback, or none when
// feedwatch has not run with this configuration yet.
func knownPrecision(ctx context.Context, cfg *config.Config) map[string]article.Precision {
	prec, _ := recorded(ctx, cfg, func(st *store.Store) (map[string]article.Precision, error) { return st.Precision(ctx, time.Now()) })
	return prec
}

// knownStates are the feeds' recorded states, or none when feedwatch has
// not run with this configuration yet.
func knownStates(ctx context.Context, cfg *config.Config) map[string]article.FeedState {
	states, _ := recorded(ctx, cfg, func(st *store.Store) (map[string]article.FeedState, error) { return feedStates(ctx, st) })
	return states
}

// recorded reads what read reads from the database, when there is one.
func recorded[T any](ctx context.Context, cfg *config.Config, read func(*store.Store) (T, error)) (T, error) {
	var zero T
	if _, err := os.Stat(cfg.Storage.Path); err != nil && !cfg.Storage.Shared() {
		return zero, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return zero, err
	}
	defer st.Close()
	return read(st)
}

func writeJSON(e env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	return exitOK
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
