package daemon_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// Exactly once with many channels: 12 rules, each with its own channel,
// a Slack answering in 0–20 ms, feeds polled every second and new
// matching items all along. Every alert reaches its channel once: none
// twice (a stale list posting what another worker sent), none lost.
func TestTwelveChannelsGetEveryAlertExactlyOnce(t *testing.T) {
	t.Parallel()
	const channels, rounds, feeds = 12, 50, 3
	rulesDir := t.TempDir()
	word := func(i int) string { return "topic" + strings.Repeat(string(rune('a'+i)), 3) }
	for i := range channels {
		writeByRename(t, filepath.Join(rulesDir, fmt.Sprintf("r%02d.yaml", i)),
			fmt.Sprintf("name: Topic %d\nquery: %s\nchannel: \"#chan-%d\"\n", i, word(i), i))
	}
	var mu sync.Mutex
	items := make([][]item, feeds)
	servers := make([]*feedServer, feeds)
	var cfgFeeds []config.Feed
	for f := range feeds {
		servers[f] = newFeedServer(t, rss())
		cfgFeeds = append(cfgFeeds, config.Feed{Name: fmt.Sprintf("Wire %d", f), URL: servers[f].URL, Schedule: "@every 1s"})
	}
	cfg := testConfig(t, cfgFeeds...)
	cfg.RulesDir = rulesDir
	logs := &lockedBuffer{}
	h := newHarnessFrom(t, &harness{cfg: cfg, logs: logs})
	h.slack.SlowUpTo(20 * time.Millisecond)
	defer func() {
		if t.Failed() {
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
					t.Log(l)
				}
			}
			counts, _ := h.store.DeliveryCounts(t.Context())
			t.Logf("deliveries: %v", counts)
		}
	}()
	stop := running(t, h)
	defer stop()

	for r := range rounds {
		f := r % feeds
		mu.Lock()
		for c := range channels {
			id := fmt.Sprintf("r%d-c%d", r, c)
			items[f] = append(items[f], item{guid: id, link: "https://wire.example/" + id, published: time.Now(),
				title: fmt.Sprintf("Report %s on %s", id, word(c)), description: "A report about " + word(c) + "."})
		}
		servers[f].set(rss(items[f]...), 0)
		mu.Unlock()
		time.Sleep(150 * time.Millisecond)
	}
	want := channels * rounds
	link := regexp.MustCompile(`https://wire\.example/(r\d+-c(\d+))`)
	// Each alert is linked once: in its own post, or in a flood summary
	// when a channel's backlog outgrew slack.flood_after (a slow machine).
	linked := func() map[string]int {
		seen := map[string]int{}
		for _, p := range h.slack.Accepted() {
			ms := link.FindAllStringSubmatch(p.Blocks, -1)
			if ms == nil {
				t.Errorf("a post links no item: %s", p.Text)
			}
			for _, m := range ms {
				seen[m[1]]++
				if p.Channel != "#chan-"+m[2] {
					t.Errorf("%s posted to %s", m[1], p.Channel)
				}
			}
		}
		return seen
	}
	testutil.Eventually(t, 90*time.Second, "every alert posted", func() bool { return len(linked()) >= want })
	time.Sleep(2 * time.Second) // a duplicate would come now
	seen := linked()
	dups := 0
	for id, n := range seen {
		if n > 1 {
			dups++
			t.Errorf("%s posted %d times", id, n)
		}
	}
	if len(seen) != want || dups > 0 {
		t.Errorf("%d of %d alerts posted, %d posted more than once", len(seen), want, dups)
	}
}

// fourAlerts is a wire with four matching items, each its own story.
func fourAlerts(t *testing.T) *config.Config {
	var items []item
	for i, town := range []string{"Ramadi", "Haditha", "Hit", "Qaim"} {
		items = append(items, at(item{guid: fmt.Sprintf("f-%d", i), link: fmt.Sprintf("https://wire.example/f%d", i),
			title: fmt.Sprintf("Islamic State leader killed in %s raid", town), description: fmt.Sprintf("Iraqi forces killed an Islamic State leader in %s.", town)},
			time.Now().Add(-time.Duration(10-i)*time.Minute)))
	}
	wire := newFeedServer(t, rss(items...))
	cfg := testConfig(t, config.Feed{Name: "Wire", URL: wire.URL})
	cfg.RulesDir = t.TempDir()
	writeByRename(t, filepath.Join(cfg.RulesDir, "leaders.yaml"), "name: Leaders killed\nquery: leader AND killed\n")
	cfg.Slack.OpsChannel = "#ops"
	return cfg
}

// A 429 holds every post to the channel for its Retry-After, not only the
// one that drew it: a storm of 429s draws one request per wait.
func TestRetryAfterHoldsTheWholeChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fourAlerts(t))
	h.slack.Queue("#iraq-watch", fakeslack.Response{Status: 429, RetryAfter: 1}, fakeslack.Response{Status: 429, RetryAfter: 1})
	h.once(t)
	var at []time.Time
	for _, p := range h.slack.Posts() {
		if p.Channel == "#iraq-watch" {
			at = append(at, p.At)
		}
	}
	if len(at) != 6 {
		t.Fatalf("%d requests, want 2 answered 429 and 4 posts", len(at))
	}
	for i := 1; i <= 2; i++ {
		if gap := at[i].Sub(at[i-1]); gap < 900*time.Millisecond {
			t.Errorf("request %d came %s after a 429 with Retry-After: 1", i+1, gap)
		}
	}
}

// One cause, one notice per channel, naming feedwatch retry; told again
// once a post got through and the cause comes back.
func TestOneCauseMakesOneNoticePerChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fourAlerts(t))
	h.slack.Queue("#iraq-watch", fakeslack.Response{Error: "channel_not_found"}, fakeslack.Response{Error: "channel_not_found"},
		fakeslack.Response{}, fakeslack.Response{Error: "channel_not_found"})
	h.once(t)
	var notices []string
	for _, p := range h.slack.Accepted() {
		if p.Channel == "#ops" {
			notices = append(notices, p.Text)
		}
	}
	if len(notices) != 2 {
		t.Fatalf("%d notices, want one for the first two failures and one after a post got through:\n%s", len(notices), strings.Join(notices, "\n"))
	}
	if !strings.Contains(notices[0], "channel_not_found") || !strings.Contains(notices[0], "`feedwatch retry`") {
		t.Errorf("notice = %q, want the cause and feedwatch retry named", notices[0])
	}
}
