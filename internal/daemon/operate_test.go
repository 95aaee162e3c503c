package daemon_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
)

// running starts Run and returns a stop function that checks it returns.
func running(t *testing.T, h *harness) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within the grace period")
		}
	}
}

func TestEndpointsAnswerAndMetricsCountThePipeline(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour)), at(budgetDebate, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Server.Listen = "127.0.0.1:0"
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()
	eventually(t, "the alert", func() bool { return len(h.slack.Accepted()) == 1 })
	base := "http://" + h.d.Addr()
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	eventually(t, "ready", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	var metrics string
	eventually(t, "the post recorded", func() bool { // Slack accepts it a moment before the outcome is recorded
		_, metrics = get(t, base+"/metrics")
		return strings.Contains(metrics, "feedwatch_outbox_pending 0")
	})
	for _, want := range []string{
		`feedwatch_fetches_total{result="ok"} 1`,
		`feedwatch_new_articles_total 2`,
		`feedwatch_matches_total{rule="coalition-anbar"} 1`,
		`feedwatch_matches_total{rule="is-leadership"} 1`,
		`feedwatch_deliveries_total{result="sent"} 1`,
		`feedwatch_outbox_pending 0`,
		`feedwatch_rules_loaded 2`,
		`feedwatch_fetch_duration_seconds_count 1`,
		`feedwatch_slack_rate_limit_waits_total 0`,
		`feedwatch_rule_reloads_total{result="error"} 0`,
		`feedwatch_last_successful_poll_timestamp_seconds `,
		`feedwatch_feed_fetches_total{feed="Test wire",result="ok"} 1`,
		`feedwatch_feed_last_success_timestamp_seconds{feed="Test wire"} `,
		`feedwatch_build_info{goversion="go`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(metrics, wire.URL) || strings.Contains(metrics, "wire-1") {
		t.Error("/metrics has a URL or an article id in a label")
	}
}

// writeByRename writes a file the way editors save: a temporary file
// renamed over the target.
func writeByRename(t *testing.T, path, body string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path)+".swp")
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestRuleEditsTakeEffectWhileRunningAndABadEditKeepsTheOldRules(t *testing.T) {
	t.Parallel()
	rulesDir := t.TempDir()
	writeByRename(t, filepath.Join(rulesDir, "leaders.yaml"), "name: Leaders killed\nquery: leader AND killed\n")
	now := time.Now()
	wire := newFeedServer(t, rss(at(budgetDebate, now.Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL, Schedule: "@every 1s"})
	cfg.RulesDir = rulesDir
	cfg.Slack.OpsChannel = "#ops"
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()

	// A new rule, saved by rename, is in force within seconds.
	writeByRename(t, filepath.Join(rulesDir, "haditha.yaml"), "name: Haditha\nquery: Haditha\n")
	eventually(t, "the new rule", func() bool { return len(h.d.Rules().Rules) == 2 })
	first := item{guid: "h-1", link: "https://wire.example/h1", title: "Bridge reopens in Haditha", description: "The bridge over the Euphrates reopened."}
	wire.set(rss(at(budgetDebate, now.Add(-time.Hour)), at(first, now)), 0)
	eventually(t, "the Haditha alert", func() bool { return len(h.slack.Accepted()) == 1 })

	// A bad edit: the previous rules stay in force, the ops channel hears of it.
	writeByRename(t, filepath.Join(rulesDir, "haditha.yaml"), "name: Haditha\nquery: Haditha AND (\n")
	eventually(t, "the ops notice", func() bool {
		for _, p := range h.slack.Accepted() {
			if p.Channel == "#ops" && strings.Contains(p.Text, "were not reloaded (1 problem)") && strings.Contains(p.Text, "haditha.yaml:2:") {
				return true
			}
		}
		return false
	})
	second := item{guid: "h-2", link: "https://wire.example/h2", title: "Market opens in Haditha", description: "Traders returned."}
	wire.set(rss(at(budgetDebate, now.Add(-time.Hour)), at(first, now), at(second, now)), 0)
	eventually(t, "the second Haditha alert, by the rule still in force", func() bool {
		for _, p := range h.slack.Accepted() {
			if strings.Contains(p.Text, "Market opens in Haditha") {
				return true
			}
		}
		return false
	})
}

// panicOnce is a fetcher whose first fetch panics.
type panicOnce struct {
	calls atomic.Int32
	next  *feed.Fetcher
}

func (p *panicOnce) Fetch(ctx context.Context, src feed.Source, v feed.Validators) (feed.Result, error) {
	if p.calls.Add(1) == 1 {
		panic("boom: a bug on strange input")
	}
	return p.next.Fetch(ctx, src, v)
}

func TestAPanickingPollIsLoggedAndTheNextRunStillHappens(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL, Schedule: "@every 1s"})
	cfg.Server.Listen = ""
	h := newHarness(t, cfg)
	pf := &panicOnce{next: feed.NewFetcher(2*time.Second, 1<<20, "test")}
	h.fetcher = pf
	logs := &lockedBuffer{}
	h.logs = logs
	h.open(t)
	stop := running(t, h)
	defer stop()
	eventually(t, "the alert after the panic", func() bool { return len(h.slack.Accepted()) == 1 })
	if pf.calls.Load() < 2 {
		t.Errorf("fetched %d times", pf.calls.Load())
	}
	if !strings.Contains(logs.String(), `msg="poll panicked" component=daemon feed="Test wire" panic="boom: a bug on strange input"`) {
		t.Errorf("the panic was not logged:\n%s", logs.String())
	}
}

func TestReplacingTheRulesFolderKeepsRulesReloadingAndReadinessSaysWhenItCannot(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	rulesDir := filepath.Join(parent, "rules")
	os.Mkdir(rulesDir, 0o755)
	writeByRename(t, filepath.Join(rulesDir, "leaders.yaml"), "name: Leaders\nquery: leader\n")
	wire := newFeedServer(t, rss())
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = rulesDir
	cfg.Server.Listen = "127.0.0.1:0"
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	readyz := func() (int, string) { return get(t, "http://"+h.d.Addr()+"/readyz") }
	eventually(t, "ready", func() bool { code, _ := readyz(); return code == 200 })

	if err := os.RemoveAll(rulesDir); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/readyz saying the rules cannot be watched", func() bool {
		code, body := readyz()
		return code == 503 && strings.Contains(body, "rules: edits are not seen")
	})
	os.Mkdir(rulesDir, 0o755)
	writeByRename(t, filepath.Join(rulesDir, "leaders.yaml"), "name: Leaders\nquery: leader\n")
	writeByRename(t, filepath.Join(rulesDir, "haditha.yaml"), "name: Haditha\nquery: Haditha\n")
	eventually(t, "the rules of the new folder", func() bool { return len(h.d.Rules().Rules) == 2 })
	eventually(t, "ready again", func() bool { code, _ := readyz(); return code == 200 })
}
