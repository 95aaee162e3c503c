package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// TestMain lets a test run this package's command in a child process of
// its own (FEEDWATCH_CHILD holds its arguments), to kill it with SIGKILL.
func TestMain(m *testing.M) {
	if args := os.Getenv("FEEDWATCH_CHILD"); args != "" {
		os.Exit(run(context.Background(), strings.Fields(args), os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
	}
	os.Exit(m.Run())
}

// TestKilledAtRandomMomentsEveryMatchIsDeliveredAndFewRepeat kills `run`
// with SIGKILL at 20 random moments while it polls a feed of matches, one
// more at every restart, and posts them to a slow Slack; then lets it
// finish. Every match must be posted; a post cut off by a kill may be
// repeated once, so at most one duplicate per kill. It takes about half a
// minute, so it runs when FEEDWATCH_CRASH_TEST=1 (CI sets it).
func TestKilledAtRandomMomentsEveryMatchIsDeliveredAndFewRepeat(t *testing.T) {
	if os.Getenv("FEEDWATCH_CRASH_TEST") != "1" {
		t.Skip("set FEEDWATCH_CRASH_TEST=1 to run the kill -9 test (CI does)")
	}
	const kills = 20
	var published atomic.Int32 // reports in the feed: one more at every restart
	published.Store(4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, crashFeed(int(published.Load())))
	}))
	defer srv.Close()
	fake := fakeslack.New(t)
	fake.Slow(150 * time.Millisecond)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(strings.Join([]string{
		"rules_dir: " + rulesDir(t),
		"schedule: \"@every 1s\"",
		"storage: {path: " + filepath.Join(dir, "fw.db") + "}",
		"server: {listen: \"\"}",
		"slack: {token: xoxb-crash-test, channel: \"#news\", api_url: \"" + fake.URL + "/\"}",
		"feeds:",
		"  - {name: Crash wire, url: \"" + srv.URL + "\"}",
	}, "\n")), 0o644)

	for i := range kills {
		published.Add(1)
		killAtRandom(t, cfg)
		t.Logf("kill %d: %d posts accepted so far", i+1, len(fake.Accepted()))
	}
	finish := exec.Command(os.Args[0], "-test.run=^$")
	finish.Env = append(os.Environ(), "FEEDWATCH_CHILD=once --wait 60s --config "+cfg)
	if out, err := finish.CombinedOutput(); err != nil {
		t.Fatalf("the final once: %v\n%s", err, out)
	}
	items := int(published.Load())
	posted := map[string]int{}
	for _, p := range fake.Accepted() {
		for i := range items {
			if strings.Contains(p.Text+p.Blocks, fmt.Sprintf("report %d:", i)) { // an alert, or an item of a flood summary
				posted[fmt.Sprint(i)]++
			}
		}
	}
	duplicates := 0
	for i := range items {
		n := posted[fmt.Sprint(i)]
		if n == 0 {
			t.Errorf("report %d was never posted", i)
		}
		duplicates += max(n-1, 0)
	}
	t.Logf("%d posts for %d matches: %d duplicates over %d kills", len(fake.Accepted()), items, duplicates, kills)
	if duplicates > kills {
		t.Errorf("%d duplicates, more than one per kill (%d)", duplicates, kills)
	}
}

// killAtRandom starts `run` in a child process and kills it with SIGKILL
// between 0.1 and 1.3 s later.
func killAtRandom(t *testing.T, cfg string) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "FEEDWATCH_CHILD=run --config "+cfg)
	child.Stdout, child.Stderr = io.Discard, io.Discard
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(100+rand.IntN(1200)) * time.Millisecond)
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
}

// crashFeed is a feed of n distinct reports the example rules match.
func crashFeed(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Crash wire</title>`)
	places := []string{"Ramadi", "Fallujah", "Haditha", "Hit", "Qaim", "Rutba"}
	for i := range n {
		title := fmt.Sprintf("Islamic State leader killed in %s, report %d: coalition raid", places[i%len(places)], i)
		fmt.Fprintf(&b, "<item><guid>crash-%d</guid><title>%s</title><link>https://wire.example/%d</link><pubDate>%s</pubDate><description>%s</description></item>",
			i, html.EscapeString(title), i, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z),
			html.EscapeString(fmt.Sprintf("A U.S.-led coalition airstrike in Anbar province killed the Islamic State leader in the town, officials said of event %d.", i*7919)))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}
