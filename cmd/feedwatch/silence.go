package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/store"
)

// cmdSilence adds, lists and ends silences, as amtool does for
// Alertmanager: data in the database, so a running daemon honours them at
// its next poll of each feed, and announces their end once.
func cmdSilence(ctx context.Context, e env, args []string) int {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs, path := flags(e, "silence", "add|list|expire …", `Mutes a rule's, a feed's or a query's alerts for a while. A silenced match is recorded (backtest and
status count it), never posted; when the silence ends, the ops channel (else slack.channel)
is told once.
  silence add (--rule ID | --feed NAME | --query Q, one or more) (--for 8h | --until 2026-12-04T08:00:00Z) --reason TEXT [--by NAME]
  silence list [--all] [-o json]      (--all: ended ones too)
  silence expire ID [--by NAME]`)
	rule := fs.String("rule", "", "silence the rule of this `ID` (its file name)")
	feedName := fs.String("feed", "", "silence the feed of this `NAME`")
	query := fs.String("query", "", "silence the articles this query `Q` matches (written as in a rule)")
	forD := durationVar(fs, "for", 0, "how long: a `DURATION` (8h, 1d)")
	until := fs.String("until", "", "until this `TIME` (RFC 3339)")
	reason := fs.String("reason", "", "why, for whoever reads status or the notice")
	by := fs.String("by", "", "who sets or ends it (default: $USER)")
	all := fs.Bool("all", false, "list: ended silences too")
	format := formatVar(fs)
	if code, ok := parseWithArgs(fs, args); !ok {
		return code
	}
	who := *by
	if who == "" {
		who, _ = e.lookupEnv("USER")
		who = cmp.Or(who, "feedwatch cli")
	}
	cfg, ok := loadConfig(e, *path)
	if !ok {
		return exitUsage
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	defer st.Close()
	switch sub {
	case "add":
		return silenceAdd(ctx, e, cfg, st, article.Silence{Rule: *rule, Feed: *feedName, Query: *query, By: who, Reason: *reason}, *forD, *until)
	case "list":
		return silenceList(ctx, e, st, *all, *format)
	case "expire":
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			fmt.Fprintln(e.stderr, "feedwatch silence expire: say which silence, by its id (feedwatch silence list)")
			return exitUsage
		}
		if err := st.ExpireSilence(ctx, id, who); err != nil {
			fmt.Fprintf(e.stderr, "feedwatch silence expire %d: %v\n", id, errors.Unwrap(err))
			return exitProblems
		}
		fmt.Fprintf(e.stdout, "silence #%d ended; its end will be announced at the next poll\n", id)
		return exitOK
	}
	fmt.Fprintln(e.stderr, "feedwatch silence: say add, list or expire")
	return exitUsage
}

// silenceAdd checks what a silence names against the rules and feeds
// configured (a mistyped name says which was meant) and records it.
func silenceAdd(ctx context.Context, e env, cfg *config.Config, st *store.Store, sl article.Silence, forD time.Duration, until string) int {
	now := time.Now()
	sl.Starts = now
	switch {
	case sl.Rule == "" && sl.Feed == "" && sl.Query == "":
		fmt.Fprintln(e.stderr, "feedwatch silence add: say what to silence: --rule ID, --feed NAME, --query Q, or some of them")
		return exitUsage
	case (forD > 0) == (until != ""):
		fmt.Fprintln(e.stderr, "feedwatch silence add: say for how long: --for DURATION or --until TIME, one of them")
		return exitUsage
	case strings.TrimSpace(sl.Reason) == "":
		fmt.Fprintln(e.stderr, "feedwatch silence add: say why with --reason: whoever reads status or the notice will want to know")
		return exitUsage
	case forD > 0:
		sl.Ends = now.Add(forD)
	default:
		t, err := time.Parse(time.RFC3339, until)
		if err != nil || !t.After(now) {
			fmt.Fprintf(e.stderr, "feedwatch silence add: --until %q: a time to come, in RFC 3339 (2026-12-04T08:00:00Z)\n", until)
			return exitUsage
		}
		sl.Ends = t
	}
	if !silenceNamesExist(e, cfg, sl) {
		return exitUsage
	}
	id, err := st.AddSilence(ctx, sl)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	fmt.Fprintf(e.stdout, "silence #%d: %s silenced until %s (%s)\n", id, sl.What(), sl.Ends.UTC().Format(time.RFC3339), sl.Reason)
	return exitOK
}

func silenceNamesExist(e env, cfg *config.Config, sl article.Silence) bool {
	if sl.Feed != "" {
		if !hasFeed(e, cfg, sl.Feed) {
			return false
		}
	}
	set, err := rules.LoadDir(cfg.RulesDir)
	if sl.Query != "" && set != nil {
		if _, qerr := set.Query(sl.Query); qerr != nil {
			fmt.Fprintf(e.stderr, "feedwatch silence add: --query: %v\n", qerr)
			return false
		}
	}
	if sl.Rule == "" {
		return true
	}
	var ids []string
	if set != nil {
		for _, r := range set.Rules {
			if r.ID == sl.Rule {
				return true
			}
			ids = append(ids, r.ID)
		}
	}
	msg := fmt.Sprintf("feedwatch silence add: no rule has the id %q", sl.Rule)
	if near := diag.Nearest(sl.Rule, ids); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	} else if err != nil {
		msg += fmt.Sprintf(" (%s: %v)", cfg.RulesDir, err)
	}
	fmt.Fprintln(e.stderr, msg)
	return false
}

func silenceList(ctx context.Context, e env, st *store.Store, all bool, format string) int {
	sls, err := st.Silences(ctx, all)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	if format == "json" {
		return writeJSON(e, append([]article.Silence{}, sls...))
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSILENCES\tFROM\tUNTIL\tBY\tHELD\tREASON")
	for _, sl := range sls {
		until := when(sl.Ends)
		if sl.ExpiredBy != "" {
			until += " (ended by " + sl.ExpiredBy + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", sl.ID, sl.What(), when(sl.Starts), until, sl.By, sl.Silenced, sl.Reason)
	}
	w.Flush()
	return exitOK
}
