package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/testutil"
)

// runCmd runs the program in-process with args and no environment.
func runCmd(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(ctx, args, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	return code, out.String(), errb.String()
}

// syncBuffer collects output written while the test reads it.
type syncBuffer = testutil.Buffer

func rulesDir(t *testing.T) string {
	d, err := filepath.Abs(filepath.Join("..", "..", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// demo writes a copy of the offline demo into a temporary folder.
func demo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	feedXML, err := os.ReadFile(filepath.Join("..", "..", "demo", "demo-feed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "demo-feed.xml"), feedXML, 0o644)
	cfg := strings.Join([]string{
		"rules_dir: " + rulesDir(t),
		"backfill: 36500d",
		"max_age: 36500d",
		"server: {listen: \"\"}",
		"feeds:",
		"  - name: Demo wire",
		"    url: file:demo-feed.xml",
	}, "\n")
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o644)
	return filepath.Join(dir, "config.yaml")
}

func TestOnceOnTheDemoPrintsOneAlertNamingBothRulesThenNothing(t *testing.T) {
	cfg := demo(t)
	code, out, errOut := runCmd(t, context.Background(), "once", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Count(out, "━━ #news-alerts ━━") != 1 {
		t.Fatalf("want exactly one alert on stdout, got:\n%s", out)
	}
	for _, want := range []string{"Coalition operations in Anbar, IS leadership", "Abu Khadija", "**"} {
		if !strings.Contains(out, want) {
			t.Errorf("alert lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "polled 1 feeds: 0 failed, 0 skipped; 0 alerts failed for good, 0 still pending") {
		t.Errorf("summary missing: %s", errOut)
	}
	code, out, _ = runCmd(t, context.Background(), "once", "--config", cfg)
	if code != exitOK || out != "" {
		t.Errorf("second run: exit %d, printed %q; want nothing new", code, out)
	}
}

func TestCheckPassesOnTheShippedConfigAndRules(t *testing.T) {
	code, out, errOut := runCmd(t, context.Background(), "check", "--config", filepath.Join("..", "..", "config.yaml"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`ok: [1-9]\d* rules, \d+ lists, [1-9]\d* tests passed`).MatchString(out) || !strings.Contains(out, "delivery: console") {
		t.Errorf("output:\n%s", out)
	}
}

func TestCheckReportsBadConfigWithExit2AndBadRulesWithExit1(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("schedule: \"*/5 * * * *\"\nfetch:\n  concurency: 3\n"), 0o644)
	code, _, errOut := runCmd(t, context.Background(), "check", "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+":3:3: unknown key concurency") {
		t.Errorf("bad config: exit %d, %q", code, errOut)
	}

	rules := filepath.Join(dir, "rules")
	os.Mkdir(rules, 0o755)
	os.WriteFile(filepath.Join(rules, "broken.yaml"), []byte("name: Broken\nquery: leader AND (killed OR\n"), 0o644)
	os.WriteFile(filepath.Join(rules, "failing.yaml"), []byte("query: leader\nfeeds: [Nowhere]\ntests:\n  - title: captain\n    expect: match\n"), 0o644)
	good := filepath.Join(dir, "config.yaml")
	os.WriteFile(good, []byte("rules_dir: rules\nfeeds:\n  - name: Wire\n    url: https://wire.example/rss\n"), 0o644)
	code, out, _ := runCmd(t, context.Background(), "check", "--config", good)
	if code != exitProblems {
		t.Errorf("bad rules: exit %d, want 1", code)
	}
	for _, want := range []string{
		filepath.Join(rules, "broken.yaml") + `:2:29: query: expected a word or "(" after OR, found end of query`,
		filepath.Join(rules, "failing.yaml") + `:2:9: feeds[0]: no configured feed is named "Nowhere"`,
		filepath.Join(rules, "failing.yaml") + `:4: tests[0] ("captain"): did not match, expected match`,
		"3 problem(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"help", "once"}, {"check", "-h"}} {
		code, out, errOut := runCmd(t, context.Background(), args...)
		if code != exitOK || !strings.Contains(out+errOut, "Usage: feedwatch") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runCmd(t, context.Background(), "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, context.Background(), "once", "--nope"); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, errOut := runCmd(t, context.Background(), "once", "--config", "/nonexistent/config.yaml"); code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing config: exit %d %q", code, errOut)
	}
}

func TestRunPollsAtStartUpAndStopsCleanlyWhenCancelled(t *testing.T) {
	cfg := demo(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	}()
	waitFor(t, "the alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after cancel; log:\n%s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop within the grace period")
	}
	if !strings.Contains(errb.String(), "feedwatch stopped") {
		t.Errorf("log lacks the stop message:\n%s", errb.String())
	}
}

func TestASecondWriterOnOneDatabaseIsRefusedNamingTheFirst(t *testing.T) {
	cfg := demo(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	}()
	waitFor(t, "the first alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })
	for _, cmd := range []string{"once", "run"} {
		code, stdout, stderr := runCmd(t, context.Background(), cmd, "--config", cfg)
		if code != exitProblems || !strings.Contains(stderr, "is written by feedwatch run (pid ") || stdout != "" {
			t.Errorf("a second %s: exit %d, %q; want exit 1 naming the first process and posting nothing", cmd, code, stderr)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("the first run: exit %d", code)
	}
	if code, _, stderr := runCmd(t, context.Background(), "once", "--config", cfg); code != exitOK {
		t.Errorf("once after the first stopped: exit %d: %s", code, stderr)
	}
}

// TestAFeedBesideAConfigInAFolderNamedWithHashAndSpaceIsRead: a relative
// file: feed and the database resolve against the configuration's folder
// whatever that folder is called ("#", "?" and spaces are names, not URL
// parts).
func TestAFeedBesideAConfigInAFolderNamedWithHashAndSpaceIsRead(t *testing.T) {
	cfg := demo(t)
	odd := filepath.Join(t.TempDir(), "desk #2 ?draft")
	if err := os.CopyFS(odd, os.DirFS(filepath.Dir(cfg))); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, context.Background(), "once", "--config", filepath.Join(odd, "config.yaml"))
	if code != exitOK || !strings.Contains(out, "Abu Khadija") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	// The database is where storage.path says, whole, and nothing is left
	// beside the folder (SQLite opened "desk " when the name was cut at "?").
	if entries, _ := os.ReadDir(filepath.Dir(odd)); len(entries) != 1 {
		t.Errorf("files beside the folder: %v", entries)
	}
	if code, status, _ := runCmd(t, context.Background(), "status", "--config", filepath.Join(odd, "config.yaml")); code != exitOK || !strings.Contains(status, "1 sent") {
		t.Errorf("status should read the alert from the database in the folder: exit %d\n%s", code, status)
	}
}
