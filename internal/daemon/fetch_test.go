package daemon_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// killedIn returns the RSS of one fresh item about a killing in place,
// written with the given XML declaration, as raw bytes.
func killedIn(decl, guid, title string) string {
	return decl + `<rss version="2.0"><channel><title>Faulty</title><item><guid>` + guid + `</guid><title>` + title +
		`</title><pubDate>` + time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z) + `</pubDate>` +
		`<description>Iraqi forces killed the Islamic State leader in an Anbar raid backed by the U.S.-led coalition.</description></item></channel></rss>`
}

// fetchFault is one case of TestEachFetchFaultIsRecordedWhileTheOtherFeedsDeliver.
type fetchFault struct {
	name    string
	handler http.HandlerFunc
	wantErr string // "" means the faulty feed delivers its own alert
}

// fetchFaults are the cases, with hang closed when the test ends.
func fetchFaults(hang chan struct{}) []fetchFault {
	return []fetchFault{
		{"gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, killedIn("", "gz-1", "Islamic State leader killed, Iraq says"))
			gz.Close()
		}, ""},
		{"windows-1252 declared", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, killedIn(`<?xml version="1.0" encoding="windows-1252"?>`, "cp-1", "\x93Islamic State leader killed\x94, Iraq says"))
		}, ""},
		{"ISO-8859-1 only in Content-Type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset=ISO-8859-1")
			io.WriteString(w, killedIn("", "l1-1", "Islamic State leader killed near Q\xe2'im, Iraq says"))
		}, ""},
		{"a stray 0xFF byte", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, killedIn(`<?xml version="1.0" encoding="UTF-8"?>`, "ff-1", "Islamic State leader killed\xff, Iraq says"))
		}, ""},
		{"a truncated document: the items before the break are read", func(w http.ResponseWriter, r *http.Request) {
			doc := killedIn("", "tr-1", "Islamic State leader killed")
			io.WriteString(w, doc[:len(doc)/2])
		}, ""},
		{"an XML document that is no feed", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<?xml version="1.0"?><inventory><item>bolts</item></inventory>`)
		}, "not an RSS, Atom or JSON feed"},
		{"an HTML page instead of a feed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!doctype html><html><body><h1>Welcome</h1></body></html>")
		}, "not an RSS, Atom or JSON feed"},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "HTTP 404"},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, "HTTP 500"},
		{"429 with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "HTTP 429 Too Many Requests (retry after 10m0s)"},
		{"a redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, "stopped after 5 redirects"},
		{"a server that never answers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}, "Client.Timeout exceeded"},
		{"a 300 MB streamed body", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<rss version="2.0"><channel><title>Big</title><description>`)
			chunk := []byte(strings.Repeat("x", 64<<10))
			for sent := 0; sent < 300<<20; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up: good
				}
			}
		}, "exceeds the size limit"},
		{"elements nested 200,000 deep", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<rss version="2.0" xmlns:x="urn:x"><channel><title>Deep</title><item><title>x</title></item>`)
			io.WriteString(w, strings.Repeat("<x:a>", 200_000)) // within the test's 1 MiB body limit
		}, "elements nested more than 256 deep"},
	}
}

// TestEachFetchFaultIsRecordedWhileTheOtherFeedsDeliver runs one pass per
// fault: a healthy feed beside the faulty one must still deliver, the
// faulty feed's state must say what went wrong (or, where the fault is
// survivable, its own alert must land), and the pass must end.
func TestEachFetchFaultIsRecordedWhileTheOtherFeedsDeliver(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) }) // after the parallel subtests
	for _, c := range fetchFaults(hang) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			faulty := httptest.NewServer(c.handler)
			defer faulty.Close()
			healthy := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
			cfg := testConfig(t, config.Feed{Name: "Faulty", URL: faulty.URL}, config.Feed{Name: "Healthy", URL: healthy.URL})
			cfg.Fetch.Timeout = config.Duration(time.Second)
			h := newHarness(t, cfg)

			res := h.once(t)
			wantPosts := 1
			if c.wantErr == "" {
				wantPosts = 2
			}
			posts := h.slack.Accepted()
			if len(posts) != wantPosts {
				t.Fatalf("%d posts, want %d: %+v", len(posts), wantPosts, posts)
			}
			st, err := h.store.FeedState(context.Background(), "Faulty")
			if err != nil {
				t.Fatal(err)
			}
			if c.wantErr == "" {
				if res.Failed["Faulty"] != nil || st.LastError != "" {
					t.Errorf("feed failed: %v", res.Failed["Faulty"])
				}
				return
			}
			if !strings.Contains(st.LastError, c.wantErr) || st.Failures != 1 {
				t.Errorf("faulty feed state: failures %d, last error %q; want it to say %q", st.Failures, st.LastError, c.wantErr)
			}
		})
	}
}

func TestConditionalGetSurvivesARestart(t *testing.T) {
	t.Parallel()
	var conditional, full atomic.Int32
	body := rss(at(leaderKilled, time.Now().Add(-time.Hour)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v7"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v7"`)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	h := newHarness(t, testConfig(t, config.Feed{Name: "Wire", URL: srv.URL}))
	h.once(t)
	h.open(t) // a restart: a new daemon on the same database
	h.once(t)
	if full.Load() != 1 || conditional.Load() != 1 {
		t.Errorf("full fetches %d, 304s %d; want the second fetch to be conditional", full.Load(), conditional.Load())
	}
	if n := len(h.slack.Posts()); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	st, _ := h.store.FeedState(context.Background(), "Wire")
	if st.Failures != 0 || st.LastSuccess.IsZero() {
		t.Errorf("a 304 is a success: %+v", st)
	}
}

func TestItemsWithoutGUIDLinkOrDateNeverRepeat(t *testing.T) {
	t.Parallel()
	bare := func(titles ...string) string {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>Bare</title>`)
		for _, title := range titles {
			b.WriteString("<item><title>" + title + "</title><description>Iraqi forces said the raid in Anbar was backed by the U.S.-led coalition.</description></item>")
		}
		b.WriteString("</channel></rss>")
		return b.String()
	}
	wire := newFeedServer(t, bare("Islamic State leader killed in Anbar"))
	h := newHarness(t, testConfig(t, config.Feed{Name: "Bare", URL: wire.URL}))
	h.once(t) // first fetch: undated items are recorded, not posted
	h.once(t)
	if n := len(h.slack.Posts()); n != 0 {
		t.Fatalf("undated items of a first fetch posted: %d", n)
	}
	wire.set(bare("Islamic State leader killed in Anbar", "Islamic State emir captured in Ramadi raid"), 0)
	h.once(t)
	h.once(t)
	h.once(t)
	posts := h.slack.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "emir captured") {
		t.Fatalf("want exactly one post, for the new undated item: %+v", posts)
	}
}

func TestRetryAfterDefersTheNextPoll(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := &clock{t: time.Now()}
	h := newHarnessAt(t, testConfig(t, config.Feed{Name: "Busy", URL: srv.URL}), c.Now)
	h.once(t)
	c.Add(30 * time.Minute)
	h.once(t)
	if hits.Load() != 1 {
		t.Errorf("polled %d times within the hour Retry-After asked for", hits.Load())
	}
	c.Add(31 * time.Minute)
	h.once(t)
	if hits.Load() != 2 {
		t.Errorf("polled %d times, want a second poll once Retry-After passed", hits.Load())
	}
}

func TestTheOpsChannelHearsOnceWhenAFeedFailsAndOnceWhenItRecovers(t *testing.T) {
	t.Parallel()
	broken := newFeedServer(t, "")
	broken.set("", http.StatusInternalServerError)
	c := &clock{t: time.Now()}
	cfg := testConfig(t, config.Feed{Name: "Flaky", URL: broken.URL})
	cfg.Slack.OpsChannel = "#ops"
	h := newHarnessAt(t, cfg, c.Now)
	for range 5 { // failures 1..5, each after its backoff
		h.once(t)
		c.Add(7 * time.Hour)
	}
	st, _ := h.store.FeedState(context.Background(), "Flaky")
	if st.Failures != 5 {
		t.Fatalf("failures = %d, want 5", st.Failures)
	}
	broken.set(rss(at(budgetDebate, c.Now().Add(-time.Hour))), 0)
	h.once(t)
	h.once(t)
	var ops []fakeslack.Post
	for _, p := range h.slack.Posts() {
		if p.Channel == "#ops" {
			ops = append(ops, p)
		}
	}
	if len(ops) != 2 {
		t.Fatalf("%d ops notices, want 2: %+v", len(ops), ops)
	}
	if !strings.Contains(ops[0].Text, `Feed "Flaky" is failing: 3 consecutive failures. Last error: HTTP 500`) {
		t.Errorf("failing notice: %s", ops[0].Text)
	}
	if !strings.Contains(ops[1].Text, `Feed "Flaky" recovered after 5 consecutive failures.`) {
		t.Errorf("recovery notice: %s", ops[1].Text)
	}
}

func TestNoMoreThanFetchConcurrencyFeedsAreFetchedAtOnce(t *testing.T) {
	t.Parallel()
	var now, peak atomic.Int32
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(150 * time.Millisecond)
		now.Add(-1)
		io.WriteString(w, rss(at(budgetDebate, time.Now().Add(-time.Hour))))
	})
	var feeds []config.Feed
	for i := range 6 {
		srv := httptest.NewServer(slow)
		defer srv.Close()
		feeds = append(feeds, config.Feed{Name: string(rune('A' + i)), URL: srv.URL})
	}
	cfg := testConfig(t, feeds...)
	cfg.Fetch.Concurrency = 2
	h := newHarness(t, cfg)
	if res := h.once(t); len(res.Failed) != 0 {
		t.Fatal(res.Failed)
	}
	if peak.Load() != 2 {
		t.Errorf("at most %d fetches ran at once, want exactly fetch.concurrency = 2", peak.Load())
	}
}

func TestAFeedThatGivesItsItemsANewGUIDEveryPollPostsEachOnce(t *testing.T) {
	t.Parallel()
	published := time.Now().Add(-time.Hour)
	wire := newFeedServer(t, "")
	cfg := testConfig(t, config.Feed{Name: "Churning wire", URL: wire.URL})
	h := newHarness(t, cfg)
	for poll := range 4 {
		it := at(leaderKilled, published)
		it.guid = fmt.Sprintf("session-%d-item-1", poll) // a new GUID every poll, as some CMSs do
		wire.set(rss(it), 0)
		h.once(t)
	}
	if n := len(h.slack.Accepted()); n != 1 {
		t.Errorf("%d posts over 4 polls, want 1: %+v", n, h.slack.Accepted())
	}
	arts, err := h.store.Articles(context.Background(), time.Time{})
	if err != nil || len(arts) != 1 {
		t.Errorf("%d articles stored (%v), want the one", len(arts), err)
	}
}
