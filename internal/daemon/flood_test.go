package daemon_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
)

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
	wire := newFeedServer(t, rss(items...))
	cfg := testConfig(t, config.Feed{Name: "Busy wire", URL: wire.URL})
	cfg.RulesDir = t.TempDir()
	writeByRename(t, cfg.RulesDir+"/leaders.yaml", "name: Leaders killed\nquery: leader AND killed\n")
	h := newHarness(t, cfg)
	h.once(t)
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
