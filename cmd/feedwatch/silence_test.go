package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestASilenceMutesARuleUntilItEndsAndItsEndIsSaidOnce drives the
// product: a silenced rule's match is recorded, not posted, the other
// rule still alerts; list shows what it held; once it is ended the notice
// says so once, and a mistyped rule id says which was meant.
func TestASilenceMutesARuleUntilItEndsAndItsEndIsSaidOnce(t *testing.T) {
	cfg := demo(t)
	ctx := context.Background()
	code, _, errOut := runCmd(t, ctx, "silence", "add", "--rule", "is-leadrship", "--for", "8h", "--reason", "x", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `no rule has the id "is-leadrship" (did you mean "is-leadership"?)`) {
		t.Errorf("a mistyped rule: exit %d\n%s", code, errOut)
	}
	code, out, errOut := runCmd(t, ctx, "silence", "add", "--rule", "is-leadership", "--for", "8h", "--reason", "covered by the desk", "--by", "alice", "--config", cfg)
	if code != 0 || !strings.Contains(out, "silence #1: rule is-leadership silenced until") {
		t.Fatalf("silence add exited %d:\n%s%s", code, out, errOut)
	}
	_, out, _ = runCmd(t, ctx, "once", "--config", cfg)
	if !strings.Contains(out, "━━ #news-alerts ━━ Coalition operations in Anbar\n") || strings.Contains(out, "IS leadership") {
		t.Errorf("the silenced rule should be left out of the alert, the other kept:\n%s", out)
	}
	_, js, _ := runCmd(t, ctx, "silence", "list", "-o", "json", "--config", cfg)
	var sls []struct {
		ID       int64
		Rule     string
		Silenced int
		By       string `json:"created_by"`
	}
	if err := json.Unmarshal([]byte(js), &sls); err != nil || len(sls) != 1 || sls[0].Silenced != 1 || sls[0].By != "alice" {
		t.Errorf("silence list (%v):\n%s", err, js)
	}
	if _, out, _ := runCmd(t, ctx, "status", "--config", cfg); !strings.Contains(out, "#1 rule is-leadership until") || !strings.Contains(out, "by alice: covered by the desk (held 1)") {
		t.Errorf("status should list the silence in force:\n%s", out)
	}
	if code, out, errOut := runCmd(t, ctx, "silence", "expire", "1", "--by", "bob", "--config", cfg); code != 0 || !strings.Contains(out, "silence #1 ended") {
		t.Errorf("silence expire exited %d:\n%s%s", code, out, errOut)
	}
	_, out, _ = runCmd(t, ctx, "once", "--config", cfg)
	if strings.Count(out, "The silence #1 on rule is-leadership (set by alice: covered by the desk) was ended early by bob") != 1 ||
		!strings.Contains(out, "it held 1 match") {
		t.Errorf("the end of the silence should be said once:\n%s", out)
	}
	_, out, _ = runCmd(t, ctx, "once", "--config", cfg)
	if strings.Contains(out, "The silence #1") {
		t.Errorf("the end was said twice:\n%s", out)
	}
	if code, _, errOut := runCmd(t, ctx, "silence", "expire", "1", "--config", cfg); code != exitProblems || !strings.Contains(errOut, "no silence in force") {
		t.Errorf("ending it again: exit %d\n%s", code, errOut)
	}
}

// TestARunningDaemonHonoursASilenceSetFromTheCommandLine: a silence added
// while feedwatch run is going holds the next polls' matches, and once it
// is ended the daemon says so and posts again.
func TestARunningDaemonHonoursASilenceSetFromTheCommandLine(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "    url: file:demo-feed.xml", "    url: file:demo-feed.xml\n    schedule: \"@every 1s\"", 1)), 0o644)
	feedPath := filepath.Join(filepath.Dir(cfg), "demo-feed.xml")
	addItem := func(guid, title string) {
		doc, _ := os.ReadFile(feedPath)
		item := "<item><guid isPermaLink=\"false\">" + guid + "</guid><title>" + title + "</title><pubDate>" +
			time.Now().UTC().Format(time.RFC1123Z) + "</pubDate><description>Islamic State leader killed in Anbar, officials said.</description></item>"
		os.WriteFile(feedPath, []byte(strings.Replace(string(doc), "<item>", item+"<item>", 1)), 0o644)
	}
	r := startRun(cfg)
	defer r.stop()
	waitFor(t, "the first alert", func() bool { return strings.Contains(r.out.String(), "Abu Khadija") })
	ctx := context.Background()
	if code, out, errOut := runCmd(t, ctx, "silence", "add", "--feed", "Demo wire", "--for", "1h", "--reason", "noisy today", "--config", cfg); code != 0 {
		t.Fatalf("silence add: exit %d\n%s%s", code, out, errOut)
	}
	addItem("silenced-1", "Second Islamic State commander killed in Anbar raid")
	waitFor(t, "the silenced match recorded", func() bool {
		_, js, _ := runCmd(t, ctx, "silence", "list", "-o", "json", "--config", cfg)
		return strings.Contains(js, `"silenced": 1`)
	})
	if strings.Contains(r.out.String(), "Second Islamic State commander") {
		t.Errorf("a silenced match was posted:\n%s", r.out.String())
	}
	runCmd(t, ctx, "silence", "expire", "1", "--config", cfg)
	addItem("after-1", "Third Islamic State commander killed near Haditha")
	waitFor(t, "the end said and the next match posted", func() bool {
		out := r.out.String()
		return strings.Contains(out, "The silence #1 on feed Demo wire") && strings.Contains(out, "Third Islamic State commander")
	})
}

// TestASilenceByQueryHoldsTheArticlesItMatches: a silence with a query
// holds every rule's match of the articles the query matches and nothing
// else; a query that does not read is refused naming the problem.
func TestASilenceByQueryHoldsTheArticlesItMatches(t *testing.T) {
	cfg := demo(t)
	ctx := context.Background()
	if code, _, errOut := runCmd(t, ctx, "silence", "add", "--query", `"Abu Khadija" AND`, "--for", "1h", "--reason", "x", "--config", cfg); code != exitUsage || !strings.Contains(errOut, "--query:") {
		t.Errorf("a broken query: exit %d\n%s", code, errOut)
	}
	if code, out, errOut := runCmd(t, ctx, "silence", "add", "--query", `"Abu Khadija"`, "--for", "1h", "--reason", "the desk has it", "--config", cfg); code != 0 ||
		!strings.Contains(out, `silence #1: articles matching "Abu Khadija" silenced until`) {
		t.Fatalf("silence add --query exited %d:\n%s%s", code, out, errOut)
	}
	_, out, _ := runCmd(t, ctx, "once", "--config", cfg)
	if strings.Contains(out, "Abu Khadija") {
		t.Errorf("the article the query matches should not be posted:\n%s", out)
	}
	_, js, _ := runCmd(t, ctx, "silence", "list", "-o", "json", "--config", cfg)
	var sls []struct{ Silenced int }
	if err := json.Unmarshal([]byte(js), &sls); err != nil || len(sls) != 1 || sls[0].Silenced != 2 {
		t.Errorf("the silence should hold both rules' matches (%v):\n%s", err, js)
	}
}
