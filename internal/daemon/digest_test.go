package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
)

// digestRules writes a rules folder with an immediate rule and a digest
// rule and returns it.
func digestRules(t *testing.T, schedule string) string {
	dir := t.TempDir()
	files := map[string]string{
		"lists.yaml":        "lists:\n  anbar: [Anbar, Ramadi, Fallujah, Haditha]\n",
		"anbar-digest.yaml": "name: Anbar daily\nquery: \"@anbar\"\ndigest: \"" + schedule + "\"\nmention: here\n",
		"leaders.yaml":      "name: Leaders killed\nquery: leader AND killed\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func anbarItems(n int, now time.Time) []item {
	var items []item
	for i := range n {
		items = append(items, at(item{
			guid:        fmt.Sprintf("anbar-%d", i),
			link:        fmt.Sprintf("https://wire.example/anbar/%d", i),
			title:       fmt.Sprintf("Anbar report %d", i),
			description: "Officials in Ramadi reported on the reconstruction of the province.",
		}, now.Add(-time.Duration(n-i)*time.Minute))) // report n-1 is the newest
	}
	return items
}

func TestDigestRulesHoldTheirMatchesUntilTheDigestIsPosted(t *testing.T) {
	t.Parallel()
	now := time.Now()
	items := append(anbarItems(3, now), at(leaderKilled, now.Add(-time.Hour)))
	wire := newFeedServer(t, rss(items...))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = digestRules(t, "0 8 * * *")
	h := newHarness(t, cfg)
	h.once(t)
	posts := h.slack.Posts()
	// leaderKilled also mentions Anbar: it is posted at once for "Leaders
	// killed" and held for the digest as well.
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "Leaders killed") || strings.Contains(posts[0].Text, "Anbar daily") {
		t.Fatalf("before the digest: want only the immediate rule's post, got %+v", posts)
	}

	ctx := context.Background()
	if err := h.d.FlushDigest(ctx, "anbar-digest", "Anbar daily", "<!here>"); err != nil {
		t.Fatal(err)
	}
	h.once(t)
	posts = h.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("after the digest: %d posts, want 2", len(posts))
	}
	digest := posts[1].BlockText()
	if !strings.HasPrefix(posts[1].Text, "<!here> Anbar daily: digest of 4 articles") {
		t.Errorf("digest text = %q", posts[1].Text)
	}
	newest, oldest := strings.Index(digest, "Anbar report 2"), strings.Index(digest, "Anbar report 0")
	if newest < 0 || oldest < 0 || newest > oldest {
		t.Errorf("digest should list newest first:\n%s", digest)
	}
	if err := h.d.FlushDigest(ctx, "anbar-digest", "Anbar daily", ""); err != nil {
		t.Fatal(err)
	}
	h.once(t)
	if n := len(h.slack.Posts()); n != 2 {
		t.Errorf("a second digest with nothing new posted: %d posts", n)
	}
}

func TestALongDigestSaysAndNMoreWithinSlackLimits(t *testing.T) {
	t.Parallel()
	now := time.Now()
	wire := newFeedServer(t, rss(anbarItems(60, now)...))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = digestRules(t, "0 8 * * *")
	h := newHarness(t, cfg)
	h.once(t)
	if err := h.d.FlushDigest(context.Background(), "anbar-digest", "Anbar daily", ""); err != nil {
		t.Fatal(err)
	}
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want one digest", len(posts))
	}
	var blocks []any
	if err := json.Unmarshal([]byte(posts[0].Blocks), &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > 50 {
		t.Errorf("%d blocks: over Slack's 50", len(blocks))
	}
	if !strings.Contains(posts[0].BlockText(), "and 15 more") || !strings.Contains(posts[0].BlockText(), "Anbar report 59") {
		t.Errorf("want the 45 newest and 'and 15 more':\n%s", posts[0].BlockText())
	}
}

func TestRunPostsDigestsOnTheirSchedule(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(anbarItems(2, time.Now())...))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.RulesDir = digestRules(t, "@every 1s")
	cfg.Server.Listen = ""
	h := newHarness(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	eventually(t, "the scheduled digest", func() bool { return len(h.slack.Accepted()) > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Accepted()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "digest of 2 articles") {
		t.Fatalf("want one digest from the schedule, got %+v", posts)
	}
}

func TestMatchesHeldForADigestThatWillNeverComeArePostedAtOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit func(dir string)
	}{
		{"the digest: line removed", func(dir string) {
			writeByRename(t, filepath.Join(dir, "anbar-digest.yaml"), "name: Anbar daily\nquery: \"@anbar\"\n")
		}},
		{"the rule deleted", func(dir string) { os.Remove(filepath.Join(dir, "anbar-digest.yaml")) }},
		{"the rule disabled", func(dir string) {
			writeByRename(t, filepath.Join(dir, "anbar-digest.yaml"), "name: Anbar daily\nquery: \"@anbar\"\ndigest: \"0 8 * * *\"\nenabled: false\n")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wire := newFeedServer(t, rss(anbarItems(2, time.Now())...))
			cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
			cfg.RulesDir = digestRules(t, "0 8 * * *")
			cfg.Server.Listen = ""
			h := newHarness(t, cfg)
			h.once(t) // two matches held for the 08:00 digest
			if n := len(h.slack.Posts()); n != 0 {
				t.Fatalf("%d posts before the change", n)
			}
			stop := running(t, h)
			defer stop()
			c.edit(cfg.RulesDir)
			eventually(t, "the held matches posted as a digest", func() bool {
				for _, p := range h.slack.Accepted() {
					if strings.Contains(p.Text, "digest of 2 articles") {
						return true
					}
				}
				return false
			})
			counts, _ := h.store.DeliveryCounts(context.Background())
			if counts[article.Held] != 0 {
				t.Errorf("%d still held", counts[article.Held])
			}
		})
	}
}
