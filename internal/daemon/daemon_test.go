package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

func TestOneStoryIsPostedOnceNamingEveryRuleAndUnrelatedArticlesPostNothing(t *testing.T) {
	t.Parallel()
	now := time.Now()
	wire := newFeedServer(t, rss(
		at(leaderKilled, now.Add(-time.Hour)),
		at(budgetDebate, now.Add(-2*time.Hour)),
		at(anbarBridge, now.Add(-3*time.Hour)),
		at(germanCoalition, now.Add(-4*time.Hour)),
	))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL}))

	if res := h.once(t); len(res.Failed) > 0 {
		t.Fatalf("feeds failed: %v", res.Failed)
	}
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want exactly 1: %+v", len(posts), posts)
	}
	p := posts[0]
	if p.Channel != "#iraq-watch" {
		t.Errorf("posted to %q, want #iraq-watch", p.Channel)
	}
	for _, rule := range []string{"IS leadership", "Coalition operations in Anbar"} {
		if !strings.Contains(p.BlockText(), rule) || !strings.Contains(p.Text, rule) {
			t.Errorf("post does not name rule %q:\ntext: %s\nblocks: %s", rule, p.Text, p.BlockText())
		}
	}
	if !strings.Contains(p.BlockText(), "<https://wire.example/iraq/leader-killed|Iraq says Islamic State's top leader") {
		t.Errorf("post lacks the headline as a link: %s", p.BlockText())
	}
	if p.Unfurl != "false" {
		t.Errorf("unfurl_links = %q, want false", p.Unfurl)
	}
	if p.Token != testToken {
		t.Errorf("token sent = %q, want the configured one", p.Token)
	}

	// The same feed again: nothing new.
	h.once(t)
	if n := len(h.slack.Posts()); n != 1 {
		t.Fatalf("second pass posted again: %d posts in all", n)
	}
	// And after a restart, too.
	h.open(t)
	h.once(t)
	if n := len(h.slack.Posts()); n != 1 {
		t.Fatalf("pass after restart posted again: %d posts in all", n)
	}
}

func TestANewFeedWithOldItemsPostsOnlyTheFreshOne(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var items []item
	for i := range 30 {
		old := leaderKilled
		old.guid = fmt.Sprintf("old-%d", i)
		old.link = fmt.Sprintf("https://wire.example/old/%d", i)
		old.title = fmt.Sprintf("Report %d: Islamic State leader killed in Anbar raid by U.S.-led coalition", i)
		items = append(items, at(old, now.Add(-time.Duration(30+i)*time.Hour)))
	}
	fresh := leaderKilled
	fresh.guid, fresh.title = "fresh", "Islamic State commander killed in Fallujah raid by coalition forces"
	items = append(items, at(fresh, now.Add(-30*time.Minute)))
	wire := newFeedServer(t, rss(items...))
	h := newHarness(t, testConfig(t, config.Feed{Name: "New wire", URL: wire.URL}))

	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want only the fresh item", len(posts))
	}
	if !strings.Contains(posts[0].Text, "Fallujah") {
		t.Errorf("posted the wrong item: %s", posts[0].Text)
	}
	arts, err := h.store.Articles(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 31 {
		t.Errorf("stored %d articles, want all 31 recorded as seen", len(arts))
	}
}

func TestItemsOlderThanMaxAgeNeverAlertAfterTheFirstFetch(t *testing.T) {
	t.Parallel()
	now := time.Now()
	wire := newFeedServer(t, rss(at(budgetDebate, now.Add(-time.Hour))))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL}))
	h.once(t)
	wire.set(rss(at(budgetDebate, now.Add(-time.Hour)), at(leaderKilled, now.Add(-8*24*time.Hour))), 0)
	h.once(t)
	if n := len(h.slack.Posts()); n != 0 {
		t.Fatalf("an item older than max_age posted (%d posts)", n)
	}
}

func TestAHeadlineWithSlackMarkupReachesSlackEscaped(t *testing.T) {
	t.Parallel()
	evil := leaderKilled
	evil.title = "<!channel> ISIS leader <@U999> killed in Anbar raid by coalition <https://evil.example|click>"
	wire := newFeedServer(t, rss(at(evil, time.Now().Add(-time.Hour))))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL}))
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	for _, field := range []string{posts[0].Text, posts[0].BlockText()} {
		for _, bad := range []string{"<!channel>", "<@U999>", "<https://evil.example"} {
			if strings.Contains(field, bad) {
				t.Errorf("post contains live markup %q: %s", bad, field)
			}
		}
		if !strings.Contains(field, "&lt;!channel&gt;") {
			t.Errorf("post does not show the escaped headline: %s", field)
		}
	}
}

func TestAnEditedItemAlertsOnlyForRulesItHadNotMatched(t *testing.T) {
	t.Parallel()
	now := time.Now()
	first := leaderKilled
	first.title = "Islamic State leader killed, Iraq says"
	first.description = "The head of the Islamic State was killed, the prime minister said."
	wire := newFeedServer(t, rss(at(first, now.Add(-time.Hour))))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL}))
	h.once(t)
	if posts := h.slack.Posts(); len(posts) != 1 || strings.Contains(posts[0].Text, "Coalition") {
		t.Fatalf("first version: want one post for IS leadership only, got %+v", posts)
	}
	edited := first
	edited.description += " The raid in Anbar was backed by U.S.-led coalition strikes."
	wire.set(rss(at(edited, now.Add(-time.Hour))), 0)
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("edited version: want a second post, got %d", len(posts))
	}
	if !strings.Contains(posts[1].Text, "Coalition operations in Anbar") || strings.Contains(posts[1].Text, "IS leadership") {
		t.Errorf("edited version should alert for the coalition rule only: %s", posts[1].Text)
	}
	if posts[1].ThreadTS == "" || posts[1].ThreadTS != posts[0].TS {
		t.Errorf("the same article's new match should reply in the thread of its first post (thread_ts %q, first ts %q)", posts[1].ThreadTS, posts[0].TS)
	}
	h.once(t)
	if n := len(h.slack.Posts()); n != 2 {
		t.Errorf("unchanged item posted again: %d posts", n)
	}
}

func TestAFailingFeedDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	broken := newFeedServer(t, "")
	broken.set("", http.StatusInternalServerError)
	garbage := newFeedServer(t, "<html><body>not a feed</body></html>")
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	h := newHarness(t, testConfig(t,
		config.Feed{Name: "Broken", URL: broken.URL},
		config.Feed{Name: "Garbage", URL: garbage.URL},
		config.Feed{Name: "Test wire", URL: wire.URL},
	))
	res := h.once(t)
	if len(res.Failed) != 2 || res.Failed["Broken"] == nil || res.Failed["Garbage"] == nil {
		t.Fatalf("failed feeds = %v, want Broken and Garbage", res.Failed)
	}
	if n := len(h.slack.Posts()); n != 1 {
		t.Fatalf("the healthy feed's alert did not land: %d posts", n)
	}
	st, err := h.store.FeedState(context.Background(), "Broken")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failures != 1 || !strings.Contains(st.LastError, "500") {
		t.Errorf("broken feed state = %+v, want one failure naming HTTP 500", st)
	}
}

func TestRateLimitedPostWaitsRetryAfterAndLandsOnce(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL}))
	h.slack.Queue("", fakeslack.Response{Status: http.StatusTooManyRequests, RetryAfter: 1})
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("got %d requests, want a 429 then a success", len(posts))
	}
	if gap := posts[1].At.Sub(posts[0].At); gap < time.Second {
		t.Errorf("retried after %s, before Retry-After (1s)", gap)
	}
	if n := len(h.slack.Accepted()); n != 1 {
		t.Errorf("%d accepted posts, want exactly 1", n)
	}
	sent, err := h.store.Recent(context.Background(), article.Sent, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Attempts != 1 || sent[0].SlackTS == "" {
		t.Errorf("delivery = %+v, want sent with ts and 1 counted attempt (the 429 does not count)", sent)
	}
}

func TestServerErrorsAreRetriedAndPermanentErrorsFailAtOnce(t *testing.T) {
	t.Parallel()
	now := time.Now()
	wire := newFeedServer(t, rss(at(leaderKilled, now.Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	h := newHarness(t, cfg)
	h.slack.Queue("", fakeslack.Response{Status: http.StatusInternalServerError})
	h.once(t) // the 500 schedules a retry a few seconds later; Once waits for it
	if n := len(h.slack.Accepted()); n != 1 {
		t.Fatalf("after a 500: %d accepted posts, want 1 (requests: %+v)", n, h.slack.Posts())
	}

	other := leaderKilled
	other.guid, other.link = "wire-9", "https://wire.example/iraq/other"
	other.title = "ISIS emir captured in Haditha raid by coalition forces"
	wire.set(rss(at(leaderKilled, now.Add(-time.Hour)), at(other, now.Add(-time.Minute))), 0)
	h.slack.Queue("", fakeslack.Response{Error: "channel_not_found"})
	h.once(t)
	failed, err := h.store.Recent(context.Background(), article.Failed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].LastError != "channel_not_found" {
		t.Fatalf("failed deliveries = %+v, want one with channel_not_found", failed)
	}
	if n := len(h.slack.Posts()); n != 3 {
		t.Errorf("a permanent error was retried: %d requests", n)
	}
}

func TestWebhookModePostsEveryRuleToItsOneChannel(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Slack.Token = ""
	h := newHarness(t, cfg)
	h.cfg.Slack.WebhookURL = config.Secret(h.slack.URL + "/webhook")
	h.open(t)
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 1 || posts[0].Path != "/webhook" {
		t.Fatalf("want one webhook post, got %+v", posts)
	}
	if !strings.Contains(posts[0].Text, "IS leadership") || !strings.Contains(posts[0].Text, "Coalition operations in Anbar") {
		t.Errorf("webhook post does not name both rules: %s", posts[0].Text)
	}
}
