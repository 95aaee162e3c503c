package daemon_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// twoChannelRules routes leaders to #leaders and Anbar news to #anbar.
func twoChannelRules(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"leaders.yaml": "name: Leaders killed\nquery: leader AND killed\nchannel: \"#leaders\"\n",
		"anbar.yaml":   "name: Anbar\nquery: Anbar\nchannel: \"#anbar\"\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var mosulLeader = item{guid: "m-1", link: "https://wire.example/mosul", title: "IS leader killed in Mosul raid",
	description: "An Islamic State leader was killed in a raid in Mosul on Friday."}

func TestASlowFailingChannelDoesNotHoldBackAnother(t *testing.T) {
	t.Parallel()
	now := time.Now()
	wire := newFeedServer(t, rss(at(mosulLeader, now.Add(-2*time.Hour)), at(anbarBridge, now.Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = twoChannelRules(t)
	h := newHarness(t, cfg)
	h.slack.Queue("#leaders", fakeslack.Response{Delay: 3 * time.Second, Status: http.StatusInternalServerError})
	h.once(t)
	var anbar, leaders []fakeslack.Post
	for _, p := range h.slack.Accepted() {
		switch p.Channel {
		case "#anbar":
			anbar = append(anbar, p)
		case "#leaders":
			leaders = append(leaders, p)
		}
	}
	if len(anbar) != 1 || len(leaders) != 1 {
		t.Fatalf("want one post in each channel at the end, got %d and %d", len(anbar), len(leaders))
	}
	// #leaders' first post hangs 3 s and fails, so its accepted post is a
	// retry; #anbar's must not have waited for any of that.
	if !anbar[0].At.Before(leaders[0].At) {
		t.Errorf("#anbar was posted at %s, after #leaders' retry at %s: it waited behind the slow, failing channel", anbar[0].At, leaders[0].At)
	}
}

func TestAPermanentFailureIsReportedToTheOpsChannel(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(mosulLeader, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = twoChannelRules(t)
	cfg.Slack.OpsChannel = "#ops"
	h := newHarness(t, cfg)
	h.slack.Queue("#leaders", fakeslack.Response{Error: "not_in_channel"})
	h.once(t)
	var ops []fakeslack.Post
	for _, p := range h.slack.Accepted() {
		if p.Channel == "#ops" {
			ops = append(ops, p)
		}
	}
	if len(ops) != 1 || !strings.Contains(ops[0].Text, "A message to #leaders could not be delivered and was given up: not_in_channel") ||
		!strings.Contains(ops[0].Text, "IS leader killed in Mosul raid") {
		t.Fatalf("ops notices = %+v", ops)
	}
}

func TestAProcessStoppedMidPostDeliversTheRestAfterARestart(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var items []item
	for i, title := range []string{"IS leader killed in Mosul", "IS leader killed in Tikrit", "IS leader killed in Kirkuk", "IS leader killed in Hawija"} {
		it := mosulLeader
		it.guid, it.link, it.title = title, "https://wire.example/"+strings.ReplaceAll(title, " ", "-"), title
		items = append(items, at(it, now.Add(-time.Duration(4-i)*time.Minute)))
	}
	wire := newFeedServer(t, rss(items...))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = twoChannelRules(t)
	h := newHarness(t, cfg)
	h.slack.Queue("#leaders", fakeslack.Response{}, fakeslack.Response{Delay: 10 * time.Second})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := h.d.Once(ctx, 10*time.Second); done <- err }()
	eventually(t, "the second post in flight", func() bool { return len(h.slack.Posts()) >= 2 })
	cancel() // the process dies with a post in flight
	<-done

	h.open(t) // restart
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) > len(items)+1 {
		t.Errorf("%d requests for %d alerts: more than the one in flight was repeated", len(posts), len(items))
	}
	landed := map[string]int{}
	for _, p := range h.slack.Accepted() {
		landed[p.Text]++
	}
	for _, it := range items {
		n := 0
		for text, c := range landed {
			if strings.Contains(text, it.title) {
				n += c
			}
		}
		if n != 1 {
			t.Errorf("%q landed %d times, want exactly once", it.title, n)
		}
	}
}
