package daemon_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/poll"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// item is one RSS item for a test feed.
type item struct {
	guid, title, link, description string
	published                      time.Time // zero: no pubDate
}

func rss(items ...item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test wire</title><link>https://wire.example/</link>`)
	for _, it := range items {
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(it.title))
		if it.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(it.guid))
		}
		if it.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(it.link))
		}
		if !it.published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.published.UTC().Format(time.RFC1123Z))
		}
		fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(it.description))
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// feedServer serves a body that tests can change, or a status code.
type feedServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   string
	status int
	hits   int
}

func newFeedServer(t *testing.T, body string) *feedServer {
	fs := &feedServer{body: body}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.hits++
		if fs.status != 0 {
			w.WriteHeader(fs.status)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, fs.body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(body string, status int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.body, fs.status = body, status
}

// harness is a daemon on the test rules (testdata/rules: the example rules
// as they shipped when these tests were written), a real SQLite file and
// a recording fake Slack in bot-token mode.
type harness struct {
	grace time.Duration // for Run's shutdown; 0: the default
	cfg   *config.Config
	p     *app.Program
	d     *daemon.Daemon
	store *store.Store
	slack *fakeslack.Server
	now   func() time.Time // nil: the real clock
	// fetcher replaces the real fetcher when set.
	fetcher poll.Fetcher
	// wrap, when set, wraps the store the daemon uses (to inject faults).
	wrap func(*store.Store) daemon.Store
	// logs receives the daemon's log when set.
	logs io.Writer
}

type lockedBuffer = testutil.Buffer

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testToken = "xoxb-test-secret-token"

func testConfig(t *testing.T, feeds ...config.Feed) *config.Config {
	cfg := config.Default()
	cfg.RulesDir = filepath.Join("testdata", "rules")
	cfg.Storage.Path = filepath.Join(t.TempDir(), "feedwatch.db")
	cfg.Slack.Channel = "#iraq-watch"
	cfg.Slack.Token = testToken
	cfg.Feeds = feeds
	cfg.Fetch.Timeout = config.Duration(2 * time.Second)
	cfg.Fetch.MaxBody = 1 << 20
	cfg.Server.Listen = ""     // tests that need the endpoints ask for 127.0.0.1:0: parallel tests must not share a port
	cfg.Schedule = "0 0 1 1 *" // no scheduled poll unless a test sets one: counts stay exact at a 5-minute boundary
	return &cfg
}

func newHarness(t *testing.T, cfg *config.Config) *harness {
	return newHarnessAt(t, cfg, nil)
}

// newHarnessAt runs the daemon and its store on the clock now.
func newHarnessAt(t *testing.T, cfg *config.Config, now func() time.Time) *harness {
	t.Helper()
	return newHarnessFrom(t, &harness{cfg: cfg, now: now})
}

// newHarnessFrom completes h (its cfg set, and any of now, logs, wrap,
// fetcher, grace) with a fake Slack, a store and a daemon.
func newHarnessFrom(t *testing.T, h *harness) *harness {
	t.Helper()
	h.slack = fakeslack.New(t)
	if h.cfg.Slack.APIURL == "" {
		h.cfg.Slack.APIURL = h.slack.URL + "/"
	}
	h.open(t)
	return h
}

// open (re)opens the store and builds a daemon, as a restart would, the
// way feedwatch run builds it (app.Open): only the clock, the fault
// injections and shorter waits differ.
func (h *harness) open(t *testing.T) {
	t.Helper()
	logw := io.Discard
	if h.logs != nil {
		logw = h.logs
	}
	p, err := app.Open(context.Background(), h.cfg, h.options(logw))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h.p, h.d, h.store = p, p.Daemon, p.Store
}

func (h *harness) options(logw io.Writer) app.Options {
	o := app.Options{
		Logger:    slog.New(slog.NewTextHandler(logw, nil)),
		Now:       h.now,
		RetryBase: 200 * time.Millisecond,
		PostGap:   20 * time.Millisecond, // Slack's pace is 1 s; the tests need not wait for it
		Grace:     h.grace,
		Fetcher:   h.fetcher,
		WrapStore: h.wrap,
	}
	return o
}

func (h *harness) once(t *testing.T) daemon.PollResult {
	t.Helper()
	out, err := h.d.Once(context.Background(), 10*time.Second)
	res := out.PollResult
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Articles in the style of the report the project started from.
var (
	leaderKilled = item{
		guid:        "wire-1",
		title:       "Iraq says Islamic State's top leader killed in Anbar operation backed by U.S.-led coalition",
		link:        "https://wire.example/iraq/leader-killed?utm_source=rss",
		description: "<p>The head of the Islamic State in Iraq and Syria was killed in an operation by Iraqi forces, supported by the U.S.-led coalition.</p><p>The airstrike occurred in Anbar province, officials said on Friday.</p>",
	}
	budgetDebate = item{
		guid:        "wire-2",
		title:       "Iraq's parliament is debating the budget",
		link:        "https://wire.example/iraq/budget",
		description: "The budget is expected to pass. The leader of the largest bloc said it is close and that nobody was named to the committee.",
	}
	anbarBridge = item{
		guid:        "wire-3",
		title:       "Anbar governor opens a bridge in Ramadi",
		link:        "https://wire.example/iraq/bridge",
		description: "The governor of Anbar province opened a new bridge over the Euphrates on Sunday.",
	}
	germanCoalition = item{
		guid:        "wire-4",
		title:       "German coalition talks stall in Berlin",
		link:        "https://wire.example/europe/germany-coalition",
		description: "The coalition partners said the operation to rescue the budget had failed and a strike by rail workers loomed.",
	}
)

func at(it item, published time.Time) item {
	it.published = published
	return it
}

// eventually waits up to 10 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, what, cond)
}

func (fs *feedServer) hitCount() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.hits
}
