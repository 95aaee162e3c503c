package daemon_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

var (
	outletA = item{guid: "a-1", link: "https://outlet-a.example/iraq/leader-killed",
		title:       "Iraq says Islamic State's top leader killed in Anbar operation backed by U.S.-led coalition",
		description: "The head of the Islamic State in Iraq and Syria, Abdallah Maki Mosleh al-Rifai, was killed in an operation by Iraqi forces, supported by the U.S.-led coalition."}
	outletB = item{guid: "b-1", link: "https://outlet-b.example/mideast/isis-chief",
		title:       "Iraqi PM says ISIS chief Abu Khadija killed in joint operation with US coalition",
		description: "Iraqi Prime Minister Mohammed Shia al-Sudani said Abdallah Maki Mosleh al-Rifai, known as Abu Khadija, was killed in Anbar province in an operation with the U.S.-led coalition."}
	otherEvent = item{guid: "b-2", link: "https://outlet-b.example/mideast/haditha",
		title:       "Daesh emir captured near Haditha, Iraqi army says",
		description: "Iraqi counter-terrorism forces captured a Daesh emir in a raid near Haditha in western Anbar, backed by coalition strikes."}
)

func twoOutlets(t *testing.T, now time.Time, b ...item) (*harness, *feedServer, *feedServer) {
	a := newFeedServer(t, rss(at(outletA, now.Add(-2*time.Hour))))
	var bItems []item
	for _, it := range b {
		bItems = append(bItems, at(it, now.Add(-time.Hour)))
	}
	bSrv := newFeedServer(t, rss(bItems...))
	cfg := testConfig(t, config.Feed{Name: "Outlet A", URL: a.URL})
	h := newHarness(t, cfg)
	h.once(t) // outlet A first
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Outlet B", URL: bSrv.URL})
	h.open(t)
	h.once(t)
	return h, a, bSrv
}

func TestTwoOutletsReportingOneKillingMakeOnePostAndOneThreadReply(t *testing.T) {
	t.Parallel()
	h, _, _ := twoOutlets(t, time.Now(), outletB)
	posts := h.slack.Accepted()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want 2", len(posts))
	}
	if posts[0].ThreadTS != "" || !strings.Contains(posts[0].Text, "top leader killed") {
		t.Errorf("first post should be top-level, outlet A: %+v", posts[0])
	}
	if posts[1].ThreadTS != posts[0].TS || !strings.Contains(posts[1].Text, "Also reported by Outlet B") {
		t.Errorf("second post should reply in the first one's thread: thread_ts %q (first %q), text %q", posts[1].ThreadTS, posts[0].TS, posts[1].Text)
	}
	sent, _ := h.store.Recent(context.Background(), article.Sent, 10)
	if sent[0].ParentID != sent[1].ID || sent[0].ThreadTS != posts[0].TS {
		t.Errorf("the reply's delivery should record its parent: %+v", sent[0])
	}
}

func TestADifferentEventStaysATopLevelPost(t *testing.T) {
	t.Parallel()
	h, _, _ := twoOutlets(t, time.Now(), otherEvent)
	posts := h.slack.Accepted()
	if len(posts) != 2 || posts[1].ThreadTS != "" {
		t.Fatalf("want two top-level posts, got %+v", posts)
	}
}

func TestWebhookModeRecordsTheSameStoryWithoutPostingIt(t *testing.T) {
	t.Parallel()
	now := time.Now()
	a := newFeedServer(t, rss(at(outletA, now.Add(-2*time.Hour))))
	b := newFeedServer(t, rss(at(outletB, now.Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Outlet A", URL: a.URL})
	cfg.Slack.Token = ""
	h := newHarness(t, cfg)
	h.cfg.Slack.WebhookURL = config.Secret(h.slack.URL + "/webhook")
	h.open(t)
	h.once(t)
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Outlet B", URL: b.URL})
	h.open(t)
	h.once(t)
	if n := len(h.slack.Posts()); n != 1 {
		t.Fatalf("%d webhook posts, want 1", n)
	}
	merged, _ := h.store.Recent(context.Background(), article.Merged, 10)
	if len(merged) != 1 || !strings.Contains(merged[0].Message.(article.Alert).Title, "ISIS chief") {
		t.Errorf("outlet B's report should be recorded as merged: %+v", merged)
	}
}

func TestAReportAfterTwoDaysStartsANewPost(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := &clock{t: now}
	a := newFeedServer(t, rss(at(outletA, now.Add(-2*time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Outlet A", URL: a.URL})
	cfg.MaxAge = config.Duration(30 * 24 * time.Hour)
	h := newHarnessAt(t, cfg, c.Now)
	h.once(t)
	c.Add(49 * time.Hour)
	b := newFeedServer(t, rss(at(outletB, c.Now().Add(-time.Hour))))
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Outlet B", URL: b.URL})
	h.open(t)
	h.once(t)
	posts := h.slack.Accepted()
	if len(posts) != 2 || posts[1].ThreadTS != "" {
		t.Fatalf("a report 49 h later should be a new top-level post: %+v", posts)
	}
}

// A thread whose first post was deleted in Slack: the next report is
// posted as a new story, and later reports thread under it.
func TestAReportOfADeletedPostStartsTheStoryAgain(t *testing.T) {
	t.Parallel()
	now := time.Now()
	a := newFeedServer(t, rss(at(outletA, now.Add(-3*time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Outlet A", URL: a.URL})
	h := newHarness(t, cfg)
	h.once(t)
	h.slack.Queue("", fakeslack.Response{Error: "thread_not_found"}) // someone deleted outlet A's post
	b := newFeedServer(t, rss(at(outletB, now.Add(-2*time.Hour))))
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Outlet B", URL: b.URL})
	h.open(t)
	h.once(t)
	outletC := outletB
	outletC.guid, outletC.link = "c-1", "https://outlet-c.example/isis-chief-killed"
	outletC.title = "ISIS chief Abu Khadija killed in Anbar, Iraqi PM says"
	c := newFeedServer(t, rss(at(outletC, now.Add(-time.Hour))))
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Outlet C", URL: c.URL})
	h.open(t)
	h.once(t)
	posts := h.slack.Accepted()
	if len(posts) != 3 {
		t.Fatalf("%d posts accepted, want 3: %+v", len(posts), posts)
	}
	if posts[1].ThreadTS != "" || !strings.Contains(posts[1].Text, "ISIS chief") {
		t.Errorf("outlet B's report should be posted as a new story when its thread is gone: %+v", posts[1])
	}
	if posts[2].ThreadTS != posts[1].TS {
		t.Errorf("outlet C's report should reply under outlet B's post (%s), got thread_ts %q", posts[1].TS, posts[2].ThreadTS)
	}
	counts, _ := h.store.DeliveryCounts(context.Background())
	if counts[article.Pending] != 0 || counts[article.Failed] != 0 {
		t.Errorf("counts = %v: nothing should wait or fail", counts)
	}
}

// Webhook mode posts every alert it cannot thread: three unrelated items
// of one feed that all link to the site's home page are three posts.
func TestItemsLinkedToTheHomePageAreEachPostedInWebhookMode(t *testing.T) {
	t.Parallel()
	now := time.Now()
	home := "https://outlet.example/"
	wire := newFeedServer(t, rss(
		at(item{guid: "h-1", link: home, title: "Islamic State leader killed in Mosul raid", description: "Iraqi forces killed an Islamic State leader in Mosul."}, now.Add(-3*time.Hour)),
		at(item{guid: "h-2", link: home, title: "Daesh emir captured near Haditha", description: "Counter-terrorism forces captured a Daesh emir near Haditha."}, now.Add(-2*time.Hour)),
		at(item{guid: "h-3", link: home, title: "ISIS commander dies in Kirkuk strike", description: "A coalition strike killed an ISIS commander near Kirkuk."}, now.Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Outlet", URL: wire.URL})
	cfg.Slack.Token = ""
	h := newHarness(t, cfg)
	h.cfg.Slack.WebhookURL = config.Secret(h.slack.URL + "/webhook")
	h.open(t)
	h.once(t)
	if n := len(h.slack.Accepted()); n != 3 {
		t.Errorf("%d webhook posts, want the 3 unrelated items", n)
	}
}

// During a flood, a report that continues a story already posted still
// goes into that story's thread, not into a summary.
func TestAReportOfAPostedStoryIsThreadedEvenInAFlood(t *testing.T) {
	t.Parallel()
	now := time.Now()
	a := newFeedServer(t, rss(at(outletA, now.Add(-5*time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Outlet A", URL: a.URL})
	h := newHarness(t, cfg)
	h.once(t)
	var items []item
	for i := range 25 { // the busy wire's own reports, older than outlet B's
		items = append(items, at(item{guid: fmt.Sprintf("busy-%d", i), link: fmt.Sprintf("https://busy.example/%d", i),
			title:       fmt.Sprintf("Local Islamic State leader killed in %s raid", []string{"Mosul", "Tikrit", "Baiji", "Samarra", "Kirkuk"}[i%5]),
			description: fmt.Sprintf("Security forces killed a local Islamic State leader, officials said (report %d).", i)}, now.Add(-4*time.Hour+time.Duration(i)*time.Minute)))
	}
	busy := newFeedServer(t, rss(items...))
	b := newFeedServer(t, rss(at(outletB, now.Add(-time.Hour))))
	h.cfg.Feeds = append(h.cfg.Feeds, config.Feed{Name: "Busy wire", URL: busy.URL}, config.Feed{Name: "Outlet B", URL: b.URL})
	h.open(t)
	h.once(t)
	var reply, summary bool
	for _, p := range h.slack.Accepted() {
		if strings.Contains(p.Text, "more matches for") && strings.Contains(p.Blocks, "ISIS chief Abu Khadija") {
			summary = true
		}
		if p.ThreadTS != "" && strings.Contains(p.Text, "Also reported by Outlet B") {
			reply = true
		}
	}
	if !reply || summary {
		t.Errorf("outlet B's report should reply in outlet A's thread (reply %v), not be summarised (summary %v)", reply, summary)
	}
}
