package daemon_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// busyWire is a harness on one feed serving items, with one rule
// ("Leaders killed": leader AND killed, plus extra lines of rule YAML) that
// matches them all, polled once.
func busyWire(t *testing.T, items []item, extra string) *harness {
	t.Helper()
	wire := newFeedServer(t, rss(items...))
	cfg := testConfig(t, config.Feed{Name: "Busy wire", URL: wire.URL})
	cfg.RulesDir = t.TempDir()
	writeByRename(t, cfg.RulesDir+"/leaders.yaml", "name: Leaders killed\nquery: leader AND killed\n"+extra)
	h := newHarness(t, cfg)
	h.once(t)
	return h
}

func TestFiveHundredMatchesForOneChannelArriveWithinMinutesAsAFewPosts(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var items []item
	for i := range 500 {
		items = append(items, at(item{
			guid:        fmt.Sprintf("flood-%d", i),
			link:        fmt.Sprintf("https://wire.example/flood/%d", i),
			title:       fmt.Sprintf("Islamic State leader killed in raid number %d", i),
			description: fmt.Sprintf("Iraqi forces killed the Islamic State leader of district %d.", i),
		}, now.Add(-time.Duration(500-i)*time.Second)))
	}
	h := busyWire(t, items, "")
	posts := h.slack.Accepted() // at Slack's pace of one a second, 35 posts take 35 s, not the 8 min of 500
	if len(posts) > 35 {
		t.Errorf("%d posts for 500 matches, want at most 35", len(posts))
	}
	linked := map[string]int{}
	link := regexp.MustCompile(`https://wire\.example/flood/\d+`)
	for _, p := range posts {
		for _, l := range link.FindAllString(p.Blocks, -1) {
			linked[l]++
		}
	}
	for i := range 500 {
		if n := linked[fmt.Sprintf("https://wire.example/flood/%d", i)]; n != 1 {
			t.Errorf("article %d is linked %d times, want exactly once", i, n)
			break
		}
	}
	var summary string
	for _, p := range posts {
		if strings.Contains(p.Text, "more matches for Leaders killed in the last") {
			summary = p.Text
		}
	}
	if summary == "" {
		t.Errorf("no summary post among %d posts", len(posts))
	}
}

// One count: what status counts and the metrics count agree, per alert.
func TestStatusAndMetricsCountTheSameAlerts(t *testing.T) {
	t.Parallel()
	var items []item
	for i := range 60 {
		items = append(items, at(item{guid: fmt.Sprintf("c-%d", i), link: fmt.Sprintf("https://wire.example/c/%d", i),
			title: fmt.Sprintf("Islamic State leader killed in raid %d", i), description: "Iraqi forces killed an Islamic State leader."},
			time.Now().Add(-time.Duration(60-i)*time.Second)))
	}
	h := busyWire(t, items, "")
	counts, err := h.store.DeliveryCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m := h.d.Metrics()
	for _, c := range []struct {
		state  article.State
		result string
	}{{article.Sent, "sent"}, {article.Merged, "merged"}, {article.Failed, "failed"}} {
		if got := testutil.ToFloat64(m.Deliveries.WithLabelValues(c.result)); int(got) != counts[c.state] {
			t.Errorf("feedwatch_deliveries_total{result=%q} = %v, status counts %d %s", c.result, got, counts[c.state], c.state)
		}
	}
	if counts[article.Merged] != 40 || testutil.ToFloat64(m.Floods) != 1 {
		t.Errorf("merged %d (want the 40 alerts beyond the first 20), floods %v (want 1)", counts[article.Merged], testutil.ToFloat64(m.Floods))
	}
}

// Whatever the feeds send, every post fits Slack's limits (the fake
// refuses what does not): a 4 KB link in a flood summary is shown
// unlinked, not a reason to lose the summary; the summary carries the
// rule's mention.
func TestALongLinkDoesNotSinkAFloodSummaryAndItsMentionStays(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var items []item
	for i := range 25 {
		link := fmt.Sprintf("https://wire.example/l/%d", i)
		if i == 24 {
			link += "?" + strings.Repeat("x", 4096)
		}
		items = append(items, at(item{guid: fmt.Sprintf("l-%d", i), link: link, title: fmt.Sprintf("Islamic State leader killed in raid %d", i),
			description: "Iraqi forces killed an Islamic State leader."}, now.Add(-time.Duration(25-i)*time.Minute)))
	}
	h := busyWire(t, items, "mention: here\n")
	for _, p := range h.slack.Posts() {
		if p.AnsweredErr != "" {
			t.Errorf("Slack refused a post: %s (%s)", p.AnsweredErr, p.Refused)
		}
	}
	var summary string
	for _, p := range h.slack.Accepted() {
		if strings.Contains(p.Text, "more matches for Leaders killed") {
			summary = p.Text + p.Blocks
		}
	}
	if !strings.Contains(summary, "<!here>") || !strings.Contains(summary, "Islamic State leader killed in raid 24") {
		t.Errorf("the summary should carry the rule's mention and the long-linked article:\n%.600s", summary)
	}
}

// If Slack still refuses a message's blocks, it goes out as plain text,
// with its mention: never dropped.
func TestRefusedBlocksAreSentAgainAsText(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	h := newHarness(t, cfg)
	h.slack.Queue("", fakeslack.Response{Error: "invalid_blocks"})
	h.once(t)
	posts := h.slack.Accepted()
	if len(posts) != 1 || (posts[0].Blocks != "" && posts[0].Blocks != "[]") || !strings.Contains(posts[0].Text, "top leader killed") ||
		!strings.Contains(posts[0].Text, "https://wire.example/iraq/leader-killed") {
		t.Fatalf("accepted = %+v, want the alert once, as text", posts)
	}
	counts, _ := h.store.DeliveryCounts(t.Context())
	if counts[article.Sent] != 1 || counts[article.Failed] != 0 {
		t.Errorf("counts = %v", counts)
	}
}
