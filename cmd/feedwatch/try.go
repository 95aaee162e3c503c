package main

import (
	"context"
	"encoding/json"
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
	fs, path := flags(e, "test", "[--rule FILE | --query Q] [--render] [-o json] [INPUT…]", `Matches a rule (--rule FILE, which need not be in the rules folder), a query (--query Q),
or every rule against each INPUT and explains why it matched or not. INPUT is a feed file
(every item), a plain-text article (first non-empty line is the title, the rest the body),
"-" for standard input (the default), or an http(s) URL of a feed or a web page.
Lists come from the configured rules folder; a rule's feeds: filter is not applied.
Exit status 0 when every input matched, 1 otherwise, 2 on a bad rule or query.`)
	ruleFile := fs.String("rule", "", "rule `FILE` to try")
	query := fs.String("query", "", "`QUERY` to try")
	render := fs.Bool("render", false, "also show each message a match would send, as Slack gets it (Block Kit with -o json), and where it goes")
	format := formatVar(fs)
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
	if !inputsExist(e, inputs) {
		return exitUsage
	}
	fetcher := feed.NewFetcher(cfg.Fetch.Timeout.D(), int64(cfg.Fetch.MaxBody), cfg.Fetch.UserAgent)
	var table *renderSetup
	if *render {
		t := renderTable(cfg)
		table = &t
	}
	results, allMatched := judgeInputs(ctx, e, fetcher, inputs, selected, table, *format != "json")
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	}
	if !allMatched {
		return exitProblems
	}
	return exitOK
}

// judgeInputs reads each input and judges each of its articles, printing
// the judgements as it goes when print is set.
func judgeInputs(ctx context.Context, e env, f *feed.Fetcher, inputs []string, selected []*rules.Rule, render *renderSetup, print bool) ([]testResult, bool) {
	allMatched, results := true, []testResult{}
	for _, in := range inputs {
		arts, err := readInput(ctx, e, f, in)
		if err != nil {
			if print {
				fmt.Fprintf(e.stdout, "%s: %v\n", in, err)
			}
			results = append(results, testResult{Input: in, Error: err.Error()})
			allMatched = false
			continue
		}
		for i, a := range arts {
			label := in
			if len(arts) > 1 {
				label = fmt.Sprintf("%s [%d/%d]", in, i+1, len(arts))
			}
			r := judge(label, &a, selected)
			if render != nil {
				r.Messages = renderMessages(&a, selected, *render)
			}
			results = append(results, r)
			if print {
				printJudgement(e.stdout, r)
				printRendered(e.stdout, r.Messages)
			}
			allMatched = allMatched && r.matched()
		}
	}
	return results, allMatched
}

// inputsExist says which input file is missing, before any is read.
func inputsExist(e env, inputs []string) bool {
	for _, in := range inputs {
		if in == "-" || strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://") {
			continue
		}
		if _, err := os.Stat(in); err != nil {
			fmt.Fprintf(e.stderr, "feedwatch test: %v\n", err)
			return false
		}
	}
	return true
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

// readInput reads a file, URL or stdin exactly as a poll reads a feed
// (feed.ReadDocument), refusing what a poll refuses with the poll's
// message; an HTML page or plain text is read as one article, with a note
// that a poll would refuse it.
func readInput(ctx context.Context, e env, f *feed.Fetcher, in string) ([]article.Article, error) {
	var body []byte
	var err error
	switch {
	case in == "-":
		body, err = io.ReadAll(e.stdin)
	case strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://"):
		arts, kind, refusal := f.Get(ctx, in)
		return noteKind(e, in, arts, kind, refusal)
	default:
		body, err = diag.ReadFile(in, 10<<20)
	}
	if err != nil {
		return nil, err
	}
	name := in
	if in == "-" {
		name = "stdin"
	}
	arts, kind, refusal := f.ReadDocument(body, "", feed.Source{Name: name})
	return noteKind(e, in, arts, kind, refusal)
}

// noteKind passes on what ReadDocument read: a feed's items or its
// refusal; for a page or plain text the article, with a note.
func noteKind(e env, in string, arts []article.Article, kind feed.Kind, refusal error) ([]article.Article, error) {
	switch {
	case kind == feed.KindFeed || kind == "":
		return arts, refusal
	case kind == feed.KindPage:
		fmt.Fprintf(e.stderr, "note: %s is an HTML page, not a feed (a poll refuses it): read as one article (its title and main text)\n", in)
	case strings.Contains(in, "://"): // a file of text is meant; a URL was meant to be a feed
		fmt.Fprintf(e.stderr, "note: %s is plain text, not a feed (a poll refuses it): read as one article (its first line is the title)\n", in)
	}
	return arts, nil
}

// explainArticle prints, for each rule, whether a matched and why; it
// returns whether any rule matched.
// testResult is what test found for one article (-o json prints them).
type testResult struct {
	Input    string            `json:"input"`
	Title    string            `json:"title,omitempty"`
	Error    string            `json:"error,omitempty"`
	Rules    []ruleVerdict     `json:"rules,omitempty"`
	Messages []renderedMessage `json:"messages,omitempty"` // with --render
}

type ruleVerdict struct {
	Rule    string        `json:"rule"`
	Matched bool          `json:"matched"`
	Hits    []article.Hit `json:"hits,omitempty"`
	Snippet string        `json:"snippet,omitempty"` // hits marked **like this**
	Field   string        `json:"field,omitempty"`
	Missing string        `json:"missing,omitempty"` // for a miss: the absent part
}

func (r testResult) matched() bool {
	for _, v := range r.Rules {
		if v.Matched {
			return true
		}
	}
	return false
}

// judge explains each rule on an article.
func judge(label string, a *article.Article, rs []*rules.Rule) testResult {
	res := testResult{Input: label, Title: a.Title}
	d := rules.NewDocument(a)
	for _, r := range rs {
		ok, ex := r.Explain(d)
		v := ruleVerdict{Rule: r.Name, Matched: ok}
		if ok {
			v.Hits, v.Field, v.Snippet = ex.Hits, ex.Snippet.Field, ex.Snippet.Marked("**", "**")
		} else {
			v.Missing = r.WhyNot(d)
		}
		res.Rules = append(res.Rules, v)
	}
	return res
}

func printJudgement(w io.Writer, r testResult) {
	fmt.Fprintf(w, "── %s: %s\n", r.Input, oneLine(r.Title, 100))
	for _, v := range r.Rules {
		if !v.Matched {
			fmt.Fprintf(w, "NO MATCH  %s\n  missing: %s\n", v.Rule, v.Missing)
			continue
		}
		fmt.Fprintf(w, "MATCH     %s\n  hits: %s\n", v.Rule, hitSummary(v.Hits))
		if v.Snippet != "" {
			fmt.Fprintf(w, "  %s: “%s”\n", v.Field, v.Snippet)
		}
	}
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
	fs, path := flags(e, "backtest", "[--rule FILE | --query Q] [--since 7d] [--labels FILE] [-o json]", `Replays the articles stored in the last --since against a rule file as it is on disk, a
query, or (with neither) every enabled rule of the rules folder, and lists what would have
matched. Posts nothing. Exit status 0 when something matched, 1 when nothing did, 2 on a
bad rule, query or flag. With --labels (from 'feedwatch feedback export'), scores each rule
on the examples of its id instead: precision and recall, and which examples it gets wrong.`)
	labels := fs.String("labels", "", "score against the labelled examples in `FILE`")
	ruleFile := fs.String("rule", "", "rule `FILE` to replay")
	query := fs.String("query", "", "a query `Q` to replay, as written in a rule")
	since := fs.String("since", "7d", "how far back: a `DURATION` (Go syntax or days, such as 36h or 30d)")
	format := formatVar(fs)
	if code, ok := parse(fs, args); !ok {
		return code
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
	selected, ok := selectRules(e, cfg, *ruleFile, *query)
	if !ok {
		return exitUsage
	} else if *labels != "" {
		return scoreLabels(e, *labels, selected, *query != "")
	}
	st, code := openExisting(ctx, e, cfg)
	if st == nil {
		return code
	}
	defer st.Close()
	from := time.Now().Add(-window)
	arts, err := st.Articles(ctx, from)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	sort.SliceStable(arts, func(i, j int) bool { return articleTime(arts[i]).After(articleTime(arts[j])) })
	hits := replay(arts, selected)
	if *format == "json" {
		json.NewEncoder(e.stdout).Encode(hits)
	} else {
		for _, h := range hits {
			fmt.Fprintf(e.stdout, "%s  %s  %s  [%s]\n    %s\n", when(h.At), h.Feed, oneLine(h.Title, 100), strings.Join(h.Rules, ", "), h.Link)
		}
		fmt.Fprintf(e.stdout, "%d of %d articles stored since %s would have matched (nothing was posted)\n", len(hits), len(arts), when(from))
	}
	if len(hits) == 0 {
		return exitProblems
	}
	return exitOK
}

// backtestHit is an article that would have matched, and the rules.
type backtestHit struct {
	At    time.Time `json:"at"`
	Feed  string    `json:"feed"`
	Title string    `json:"title"`
	Link  string    `json:"link"`
	Rules []string  `json:"rules"`
}

func replay(arts []store.StoredArticle, selected []*rules.Rule) []backtestHit {
	hits := []backtestHit{}
	for _, a := range arts {
		d := rules.NewDocument(&a.Article)
		var names []string
		for _, r := range selected {
			if ok, _ := r.Explain(d); ok && r.AppliesTo(&a.Article) {
				names = append(names, r.Name)
			}
		}
		if len(names) > 0 {
			hits = append(hits, backtestHit{articleTime(a), a.Feed, a.Title, a.Link, names})
		}
	}
	return hits
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
