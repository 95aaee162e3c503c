package main

import (
	"bufio"
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
	"github.com/feedwatch/feedwatch/internal/store"
)

// cmdAudit lists what was done from Slack: every click and /feedwatch
// command, allowed or refused, with who, when and what came of it.
func cmdAudit(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "audit", "[--since 30d] [-o json]", "Lists every action taken from Slack — buttons on alerts and /feedwatch — allowed or refused:\nwhen, who (Slack user ID), what, on what, and what came of it. Newest first.")
	since := durationVar(fs, "since", 30*24*time.Hour, "how far back: a `DURATION` (36h, 30d)")
	format := formatVar(fs)
	_, st, code := parseAndOpen(ctx, e, fs, path, args)
	if st == nil {
		return code
	}
	defer st.Close()
	acts, err := st.Actions(ctx, time.Now().Add(-*since))
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	if *format == "json" {
		return writeJSON(e, append([]article.Action{}, acts...))
	}
	for _, a := range acts {
		allowed := "allowed"
		if !a.Allowed {
			allowed = "refused"
		}
		fmt.Fprintf(e.stdout, "%s  %s  %s  %s  %s  %s\n", when(a.At), a.User, a.Kind, allowed, a.Target, dash(a.Outcome))
	}
	fmt.Fprintf(e.stdout, "%d action(s) in the last %s\n", len(acts), config.Duration(*since))
	return exitOK
}

// cmdFeedback shows each rule's precision from analysts' feedback, or
// exports the judged examples (export) for backtest --labels.
func cmdFeedback(ctx context.Context, e env, args []string) int {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs, path := flags(e, "feedback", "[export] [--since 30d] [-o json]", `Shows each rule's precision over the last 30 days from analysts' feedback in Slack: a posted
alert called "not relevant" counts against its rules; one nobody called so within a day
counts for them. 'export' prints the judged examples as JSON lines (rule, verdict, title,
text, feed, link, at), to score a changed rule with 'feedwatch backtest --labels FILE'.`)
	since := durationVar(fs, "since", store.FeedbackWindow, "export: how far back, a `DURATION`")
	format := formatVar(fs)
	cfg, st, code := parseAndOpen(ctx, e, fs, path, args)
	if st == nil {
		return code
	}
	defer st.Close()
	if sub == "export" {
		ls, err := st.Labelled(ctx, time.Now().Add(-*since), time.Now())
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitProblems
		}
		enc := json.NewEncoder(e.stdout)
		for _, l := range ls {
			enc.Encode(l)
		}
		return exitOK
	}
	prec, err := st.Precision(ctx, time.Now())
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	if *format == "json" {
		return writeJSON(e, prec)
	}
	printPrecision(e, cfg, prec)
	return exitOK
}

// printPrecision lists every rule in the folder with its precision.
func printPrecision(e env, cfg *config.Config, prec map[string]article.Precision) {
	set, _ := rules.LoadDir(cfg.RulesDir)
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RULE\tPRECISION (30 DAYS, FROM FEEDBACK)")
	seen := map[string]bool{}
	if set != nil {
		for _, r := range set.Rules {
			seen[r.ID] = true
			fmt.Fprintf(w, "%s\t%s\n", r.ID, precisionOf(prec, r.ID))
		}
	}
	for id := range prec {
		if !seen[id] {
			fmt.Fprintf(w, "%s (no longer a rule)\t%s\n", id, prec[id])
		}
	}
	w.Flush()
}

func precisionOf(prec map[string]article.Precision, id string) article.Precision {
	if p, ok := prec[id]; ok {
		return p
	}
	return article.Precision{Rule: id, Estimate: -1}
}

// labelScore is how a rule does on the labelled examples of its id.
type labelScore struct {
	Rule       string   `json:"rule"`
	Examples   int      `json:"examples"`
	TP         int      `json:"relevant_matched"`
	FP         int      `json:"not_relevant_matched"`
	FN         int      `json:"relevant_missed"`
	StillNoise []string `json:"still_matching_not_relevant,omitempty"`
	NowMissing []string `json:"no_longer_matching_relevant,omitempty"`
}

// scoreLabels scores each selected rule against the examples in file
// whose rule is its id (with a query: every example), as the rule is now.
func scoreLabels(e env, file string, selected []*rules.Rule, query bool) int {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "feedwatch backtest: --labels: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	var examples []article.Labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l article.Labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || (l.Verdict != article.VerdictRelevant && l.Verdict != article.VerdictNotRelevant) {
			fmt.Fprintf(e.stderr, "%s:%d: not a labelled example (feedwatch feedback export writes them): %v\n", file, line, cmpErr(err, "verdict "+l.Verdict))
			return exitUsage
		}
		examples = append(examples, l)
	}
	for _, r := range selected {
		s := score(r, examples, query)
		if s.Examples == 0 {
			fmt.Fprintf(e.stdout, "%s: no labelled examples in %s\n", r.ID, file)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d examples: precision %s, recall %s\n", r.ID, s.Examples, ratio(s.TP, s.TP+s.FP), ratio(s.TP, s.TP+s.FN))
		for _, t := range s.StillNoise {
			fmt.Fprintf(e.stdout, "    still matches (not relevant): %s\n", oneLine(t, 100))
		}
		for _, t := range s.NowMissing {
			fmt.Fprintf(e.stdout, "    no longer matches (relevant): %s\n", oneLine(t, 100))
		}
	}
	return exitOK
}

func score(r *rules.Rule, examples []article.Labelled, query bool) labelScore {
	s := labelScore{Rule: r.ID}
	for _, l := range examples {
		if !query && l.Rule != r.ID {
			continue
		}
		s.Examples++
		a := article.Article{Feed: l.Feed, Title: l.Title, Summary: l.Text, Link: l.Link}
		matched, _ := r.Explain(rules.NewDocument(&a))
		relevant := l.Verdict == article.VerdictRelevant
		switch {
		case matched && relevant:
			s.TP++
		case matched:
			s.FP++
			s.StillNoise = append(s.StillNoise, l.Title)
		case relevant:
			s.FN++
			s.NowMissing = append(s.NowMissing, l.Title)
		}
	}
	return s
}

// ratio is "0.75 (3 of 4)", or "- (0 of 0)".
func ratio(n, of int) string {
	if of == 0 {
		return "- (0 of 0)"
	}
	return fmt.Sprintf("%.2f (%d of %d)", float64(n)/float64(of), n, of)
}

func cmpErr(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}
