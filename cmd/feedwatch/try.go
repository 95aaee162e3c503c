package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/store"
)

func cmdTest(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "test", "[--rule FILE | --query Q] [INPUT…]", `Matches a rule (--rule FILE, which need not be in the rules folder), a query (--query Q),
or every rule against each INPUT and explains why it matched or not. INPUT is a feed file
(every item), a plain-text article (first non-empty line is the title, the rest the body),
"-" for standard input (the default), or an http(s) URL of a feed or a web page.
Lists come from the configured rules folder; a rule's feeds: filter is not applied.
Exit status 0 when every input matched, 1 otherwise, 2 on a bad rule or query.`)
	ruleFile := fs.String("rule", "", "rule `FILE` to try")
	query := fs.String("query", "", "`QUERY` to try")
	if code, ok := parseWithArgs(fs, args); !ok {
		return code
	}
	if *ruleFile != "" && *query != "" {
		fmt.Fprintln(e.stderr, "feedwatch test: give --rule or --query, not both")
		return exitUsage
	}
	cfg, ok := loadConfig(e, *path)
	if !ok {
		return exitUsage
	}
	selected, ok := selectRules(e, cfg, *ruleFile, *query)
	if !ok {
		return exitUsage
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
		if isTerminal(e.stdin) {
			fmt.Fprintln(e.stderr, "feedwatch test: reading an article from standard input (the first line is its title; end with Ctrl-D), or name files, feeds or URLs")
		}
	}
	for _, in := range inputs {
		if in == "-" || strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://") {
			continue
		}
		if _, err := os.Stat(in); err != nil {
			fmt.Fprintf(e.stderr, "feedwatch test: %v\n", err)
			return exitUsage
		}
	}
	fetcher := feed.NewFetcher(cfg.Fetch.Timeout.D(), int64(cfg.Fetch.MaxBody), cfg.Fetch.UserAgent)
	allMatched := true
	for _, in := range inputs {
		arts, err := readInput(ctx, e, fetcher, in)
		if err != nil {
			fmt.Fprintf(e.stdout, "%s: %v\n", in, err)
			allMatched = false
			continue
		}
		for i, a := range arts {
			label := in
			if len(arts) > 1 {
				label = fmt.Sprintf("%s [%d/%d]", in, i+1, len(arts))
			}
			if !explainArticle(e.stdout, label, &a, selected) {
				allMatched = false
			}
		}
	}
	if !allMatched {
		return exitProblems
	}
	return exitOK
}

// selectRules returns the rule of --rule, the query of --query, or every
// rule, printing problems when there are any.
func selectRules(e env, cfg *config.Config, ruleFile, query string) ([]*rules.Rule, bool) {
	set, err := rules.LoadDir(cfg.RulesDir)
	if set == nil {
		fmt.Fprintln(e.stderr, err)
		return nil, false
	}
	switch {
	case ruleFile != "":
		r, err := set.ParseRuleFile(ruleFile)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return nil, false
		}
		return []*rules.Rule{r}, true
	case query != "":
		r, err := set.QueryRule(query)
		if err != nil {
			var qes rules.QueryErrors
			errors.As(err, &qes)
			for _, qe := range qes {
				fmt.Fprintln(e.stderr, &diag.Problem{File: "--query", Line: 1, Col: qe.Offset + 1, Msg: qe.Msg, Source: query})
			}
			return nil, false
		}
		return []*rules.Rule{r}, true
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%v\n(fix the rules, see 'feedwatch check')\n", err)
		return nil, false
	}
	var enabled []*rules.Rule // as the daemon matches: a disabled rule alerts nobody
	for _, r := range set.Rules {
		if r.Enabled {
			enabled = append(enabled, r)
		}
	}
	return enabled, true
}

func readInput(ctx context.Context, e env, f *feed.Fetcher, in string) ([]article.Article, error) {
	switch {
	case in == "-":
		body, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, err
		}
		return f.ReadDocument(body, "", feed.Source{Name: "stdin"})
	case strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://"):
		return f.Get(ctx, in)
	}
	body, err := diag.ReadFile(in, 10<<20)
	if err != nil {
		return nil, err
	}
	return f.ReadDocument(body, "", feed.Source{Name: in})
}

// explainArticle prints, for each rule, whether a matched and why; it
// returns whether any rule matched.
func explainArticle(w io.Writer, label string, a *article.Article, rs []*rules.Rule) bool {
	fmt.Fprintf(w, "── %s: %s\n", label, oneLine(a.Title, 100))
	d := rules.NewDocument(a)
	matched := false
	for _, r := range rs {
		ok, ex := r.Explain(d)
		if !ok {
			fmt.Fprintf(w, "NO MATCH  %s\n  missing: %s\n", r.Name, r.WhyNot(d))
			continue
		}
		matched = true
		fmt.Fprintf(w, "MATCH     %s\n  hits: %s\n", r.Name, hitSummary(ex.Hits))
		if ex.Snippet.Text != "" {
			fmt.Fprintf(w, "  %s: “%s”\n", ex.Snippet.Field, ex.Snippet.Marked("**", "**"))
		}
	}
	return matched
}

// hitSummary lists each term that hit with the fields it hit in.
func hitSummary(hits []article.Hit) string {
	type seen struct {
		n      int
		fields []string
	}
	byTerm := map[string]*seen{}
	var order []string
	for _, h := range hits {
		s, ok := byTerm[h.Term]
		if !ok {
			s = &seen{}
			byTerm[h.Term] = s
			order = append(order, h.Term)
		}
		s.n++
		if !slices.Contains(s.fields, h.Field) {
			s.fields = append(s.fields, h.Field)
		}
	}
	parts := make([]string, len(order))
	for i, t := range order {
		s := byTerm[t]
		parts[i] = fmt.Sprintf("%s ×%d (%s)", t, s.n, strings.Join(s.fields, ", "))
	}
	return strings.Join(parts, ", ")
}

func cmdBacktest(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "backtest", "--rule FILE [--since 7d]", `Replays the articles stored in the last --since against the rule file as it is on disk
(lists from the configured rules folder) and lists what would have matched. Posts nothing.
Exit status 0 when something matched, 1 when nothing did, 2 on a bad rule or flag.`)
	ruleFile := fs.String("rule", "", "rule `FILE` to replay (required)")
	since := fs.String("since", "7d", "how far back (Go duration or days, such as 36h or 30d)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *ruleFile == "" {
		fmt.Fprintln(e.stderr, "feedwatch backtest: --rule FILE is required")
		return exitUsage
	}
	window, err := config.ParseDuration(*since)
	if err != nil {
		fmt.Fprintf(e.stderr, "feedwatch backtest: --since: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(e, *path)
	if !ok {
		return exitUsage
	}
	selected, ok := selectRules(e, cfg, *ruleFile, "")
	if !ok {
		return exitUsage
	}
	r := selected[0]
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	defer st.Close()
	from := time.Now().Add(-window)
	arts, err := st.Articles(ctx, from)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	sort.SliceStable(arts, func(i, j int) bool { return articleTime(arts[i]).After(articleTime(arts[j])) })
	matched := 0
	for _, a := range arts {
		if !r.AppliesTo(&a.Article) {
			continue
		}
		if ok, _ := r.Explain(rules.NewDocument(&a.Article)); ok {
			matched++
			fmt.Fprintf(e.stdout, "%s  %s  %s\n    %s\n", when(articleTime(a)), a.Feed, oneLine(a.Title, 100), a.Link)
		}
	}
	fmt.Fprintf(e.stdout, "%d of %d articles stored since %s would have matched %q (nothing was posted)\n", matched, len(arts), when(from), r.Name)
	if matched == 0 {
		return exitProblems
	}
	return exitOK
}

// articleTime is an article's publication time, or when it was first seen.
func articleTime(a store.StoredArticle) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.FirstSeen
}

// isTerminal reports whether r is a terminal (a person typing), not a
// pipe or a file.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
