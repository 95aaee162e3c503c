package eval

// Threading measured through the product, as users run it: the dev items
// served as five outlets' RSS feeds over HTTP, a rule that matches every
// item, feedwatch built by app.Open (as feedwatch run and once build it)
// on a clock that follows the wire, and a Slack stand-in whose posts and
// thread replies are the result. The comparer reads only what Slack
// received (which item each post links to, which post it replies to) and
// the labels; it runs no feedwatch code.

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// wire serves, per outlet, the items revealed so far as RSS. Its clock
// runs in real time from a few minutes after the last item revealed.
type wire struct {
	mu       sync.Mutex
	revealed map[string][]Item // by outlet slug
	now      time.Time         // at the last reveal
	at       time.Time         // when that was, in real time
}

func (w *wire) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now.Add(time.Since(w.at))
}

// reveal publishes items and moves the clock to a few minutes after the
// last of them.
func (w *wire) reveal(items []Item) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now, w.at = w.now.Add(time.Since(w.at)), time.Now()
	for _, it := range items {
		w.revealed[slug(it.Outlet)] = append(w.revealed[slug(it.Outlet)], it)
		if t := it.Published.Add(5 * time.Minute); t.After(w.now) {
			w.now = t
		}
	}
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	items := w.revealed[strings.TrimPrefix(r.URL.Path, "/")]
	w.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>wire</title>`)
	for i := len(items) - 1; i >= 0 && i >= len(items)-30; i-- { // newest first, the last 30, as wires serve them
		it := items[i]
		a := it.Article()
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate><description>%s</description></item>",
			a.Identity, html.EscapeString(it.Title), a.Link, it.Published.UTC().Format(time.RFC1123Z), html.EscapeString(it.Text))
	}
	b.WriteString("</channel></rss>")
	rw.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	rw.Write([]byte(b.String()))
}

// productSetup is a configuration over the wire's outlets, a rule that
// matches every item, and a Slack stand-in.
func productSetup(t *testing.T, items []Item, schedule string) (*config.Config, *wire, *fakeslack.Server) {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rules"), 0o755)
	os.WriteFile(filepath.Join(dir, "rules", "iraq.yaml"), []byte("name: Iraq wire\nquery: title:/./\n"), 0o644)
	w := &wire{revealed: map[string][]Item{}, at: time.Now()}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	fake := fakeslack.New(t)
	cfg := config.Default()
	cfg.RulesDir = filepath.Join(dir, "rules")
	cfg.Storage.Path = filepath.Join(dir, "feedwatch.db")
	cfg.Server.Listen = ""
	century := config.Duration(36500 * 24 * time.Hour) // the wire is of 2004: every item may alert
	cfg.Backfill, cfg.MaxAge = century, century
	cfg.Slack.Token, cfg.Slack.APIURL, cfg.Slack.Channel = "xoxb-eval", fake.URL+"/", "#iraq"
	seen := map[string]bool{}
	for _, it := range items {
		if s := slug(it.Outlet); !seen[s] {
			seen[s] = true
			cfg.Feeds = append(cfg.Feeds, config.Feed{Name: it.Outlet, URL: srv.URL + "/" + s, Schedule: schedule})
		}
	}
	return &cfg, w, fake
}

// passes splits items, in published order, into passes of about size.
func passes(items []Item, size int) [][]Item {
	sorted := append([]Item(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Published.Before(sorted[j].Published) })
	var out [][]Item
	for len(sorted) > 0 {
		n := min(size, len(sorted))
		out = append(out, sorted[:n])
		sorted = sorted[n:]
	}
	return out
}

func productOptions(w *wire) app.Options {
	return app.Options{Now: w.Now, PostGap: time.Millisecond}
}

// throughOnce runs feedwatch once per pass, a new process each time as
// cron runs it.
func throughOnce(t *testing.T, items []Item, size int) []fakeslack.Post {
	cfg, w, fake := productSetup(t, items, "")
	for _, pass := range passes(items, size) {
		w.reveal(pass)
		p, err := app.Open(context.Background(), cfg, productOptions(w))
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Daemon.Once(context.Background(), time.Minute)
		p.Close()
		if err != nil || res.Pending > 0 || len(res.Failed) > 0 {
			t.Fatalf("once: %v, %d pending (%s), failed feeds %v", err, res.Pending, res.Why, res.Failed)
		}
	}
	return fake.Accepted()
}

// throughRun runs one daemon, its feeds polled every second, and reveals
// a pass once everything of the one before is posted.
func throughRun(t *testing.T, items []Item, size int) []fakeslack.Post {
	cfg, w, fake := productSetup(t, items, "@every 1s")
	p, err := app.Open(context.Background(), cfg, productOptions(w))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Daemon.Run(ctx) }()
	posted := 0
	for _, pass := range passes(items, size) {
		w.reveal(pass)
		posted += len(pass)
		deadline := time.Now().Add(30 * time.Second)
		for linked(fake.Accepted()) < posted && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return fake.Accepted()
}

var linkedItem = regexp.MustCompile(`\.example/(\d+)`)

// itemsOf lists the items a post links to, each once.
func itemsOf(p fakeslack.Post) []int {
	var ids []int
	seen := map[int]bool{}
	for _, m := range linkedItem.FindAllStringSubmatch(p.Blocks+p.Text, -1) {
		id, _ := strconv.Atoi(m[1])
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// linked counts the items the posts link to.
func linked(posts []fakeslack.Post) int {
	n := 0
	for _, p := range posts {
		n += len(itemsOf(p))
	}
	return n
}

// threadsOf reads what Slack received: each post's item (the link it
// carries) and the post it replies to. A post that links several items
// (a flood summary) threads none of them: each is a story of its own. It
// returns each item's thread root, the merges (item → the item whose post
// it replied under) and how many items came in summaries.
func threadsOf(t *testing.T, posts []fakeslack.Post) (root map[int]int, merges [][2]int, summarised int) {
	root = map[int]int{}
	byTS := map[string]int{}
	for _, p := range posts {
		ids := itemsOf(p)
		for _, id := range ids {
			if _, dup := root[id]; dup {
				t.Errorf("item %d was posted twice", id)
			}
			root[id] = id
		}
		switch {
		case len(ids) == 0:
			t.Fatalf("a post links no item: %s", p.Text)
		case len(ids) > 1:
			summarised += len(ids)
		case p.ThreadTS == "":
			byTS[p.TS] = ids[0]
		default:
			head, ok := byTS[p.ThreadTS]
			if !ok {
				t.Fatalf("a reply under a post that is not a story's first: %s", p.Text)
			}
			root[ids[0]] = head
			merges = append(merges, [2]int{ids[0], head})
		}
	}
	return root, merges, summarised
}

func TestStoryThreadingThroughTheProduct(t *testing.T) {
	set, ok, err := Load("agnews-iraq-dev.json")
	if !ok {
		t.Skip("../shared/eval/agnews-iraq-dev.json is not here")
	}
	if err != nil {
		t.Fatal(err)
	}
	// once records each pass whole, then posts it in publication order;
	// run polls each feed on its own tick, and slack.group_wait (2 s)
	// lets the reports of one round gather before they are posted alike.
	for _, mode := range []struct {
		name      string
		run       func(*testing.T, []Item, int) []fakeslack.Post
		minRecall float64
	}{{"once", throughOnce, 0.5}, {"run", throughRun, 0.5}} {
		t.Run(mode.name, func(t *testing.T) {
			posts := mode.run(t, set.Items, 7)
			if n := linked(posts); n != len(set.Items) {
				t.Errorf("%d items posted of %d: every item should be posted once", n, len(set.Items))
			}
			root, merges, summarised := threadsOf(t, posts)
			t.Logf("%s, passes of 7 items: %d posts, %d items in flood summaries", mode.name, len(posts), summarised)
			score(t, set, root, merges, mode.minRecall)
		})
	}
}
