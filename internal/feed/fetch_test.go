package feed

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

const rssDoc = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Islamic State leader killed in Anbar</title><link>/iraq/leader?utm_source=rss&amp;id=7</link>
<description>&lt;p&gt;The head of the &lt;b&gt;Islamic State&lt;/b&gt; was killed.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
<pubDate>Fri, 14 Mar 2025 10:00:00 GMT</pubDate></item>
</channel></rss>`

var src = Source{Name: "Wire", Tags: []string{"defense"}}

func fetcher() *Fetcher {
	return NewFetcher(2*time.Second, 1<<20, "feedwatch/test (+https://example.org)")
}

func serve(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func fetch(t *testing.T, f *Fetcher, url string, v Validators) (Result, error) {
	s := src
	s.URL = url
	return f.Fetch(context.Background(), s, v)
}

func TestFetchParsesAndNormalisesItems(t *testing.T) {
	var ua, accept string
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		ua, accept = r.Header.Get("User-Agent"), r.Header.Get("Accept-Encoding")
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, rssDoc)
	})
	res, err := fetch(t, fetcher(), url, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if ua != "feedwatch/test (+https://example.org)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if accept != "gzip" {
		t.Errorf("Accept-Encoding = %q, want Go's transparent gzip", accept)
	}
	if len(res.Articles) != 1 || res.Validators.ETag != `"v1"` {
		t.Fatalf("result = %+v", res)
	}
	a := res.Articles[0]
	if a.Link != "https://wire.example/iraq/leader?id=7" { // resolved, tracking parameter dropped
		t.Errorf("relative link not resolved against the feed: %q", a.Link)
	}
	if a.Identity != "link:https://wire.example/iraq/leader?id=7" {
		t.Errorf("identity = %q, want the canonical link without tracking parameters", a.Identity)
	}
	if a.Summary != "The head of the Islamic State was killed." {
		t.Errorf("summary = %q: HTML not turned into text, or script kept", a.Summary)
	}
	if a.Feed != "Wire" || a.FeedTags[0] != "defense" || a.Published.IsZero() {
		t.Errorf("article = %+v", a)
	}
}

func TestConditionalGetAnswers304AsNothingNew(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Fri, 14 Mar 2025 10:00:00 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Fri, 14 Mar 2025 10:00:00 GMT")
		io.WriteString(w, rssDoc)
	})
	first, err := fetch(t, fetcher(), url, Validators{})
	if err != nil || first.NotModified {
		t.Fatalf("first fetch: %+v %v", first, err)
	}
	second, err := fetch(t, fetcher(), url, first.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || len(second.Articles) != 0 || second.Validators != first.Validators {
		t.Errorf("second fetch = %+v, want 304 with the same validators", second)
	}
}

func TestGzipIsDecompressedAndTheLimitCountsDecompressedBytes(t *testing.T) {
	big := strings.Replace(rssDoc, "</channel>", "<!--"+strings.Repeat("x", 3<<20)+"--></channel>", 1)
	for name, body := range map[string]string{"small": rssDoc, "bomb": big} {
		url := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, body)
			gz.Close()
		})
		res, err := fetch(t, fetcher(), url, Validators{})
		switch name {
		case "small":
			if err != nil || len(res.Articles) != 1 {
				t.Errorf("gzip feed: %+v %v", res, err)
			}
		case "bomb":
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("3 MiB after decompression with a 1 MiB limit: got %v", err)
			}
		}
	}
}

func TestCharsetsAreHonoured(t *testing.T) {
	cp1252 := "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>W</title><item><guid>1</guid><title>Caf\xe9 \x93attack\x94 in Anbar</title></item></channel></rss>"
	latin1 := "<rss version=\"2.0\"><channel><title>W</title><item><guid>1</guid><title>Caf\xe9 attack in Anbar</title></item></channel></rss>"
	stray := "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>W</title><item><guid>1</guid><title>Caf\xff attack\x01 in Anbar</title></item></channel></rss>"
	cases := []struct {
		name, body, contentType, want string
	}{
		{"windows-1252 declared in XML", cp1252, "application/xml", "Café “attack” in Anbar"},
		{"ISO-8859-1 only in Content-Type", latin1, "application/rss+xml; charset=ISO-8859-1", "Café attack in Anbar"},
		{"a stray invalid byte", stray, "application/rss+xml; charset=utf-8", "Caf\uFFFD attack in Anbar"},
		{"declared and in Content-Type: decoded once", cp1252, "text/xml; charset=windows-1252", "Café “attack” in Anbar"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				io.WriteString(w, c.body)
			})
			res, err := fetch(t, fetcher(), url, Validators{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Articles) != 1 || res.Articles[0].Title != c.want {
				t.Errorf("got %+v, want title %q", res.Articles, c.want)
			}
		})
	}
}

func TestFetchFailuresSayWhatWentWrong(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"an HTML page instead of a feed", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<!doctype html><html><body><p>Hello</p></body></html>")
		}, "not an RSS, Atom or JSON feed"},
		{"a broken document", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<rss version="2.0"><channel><item><ti<tle>x</title></item></channel></rss>`)
		}, "parse feed"},
		{"a 404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "HTTP 404"},
		{"a redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, "stopped after 5 redirects"},
		{"a server that never answers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}, "Timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := NewFetcher(300*time.Millisecond, 1<<20, "feedwatch/test")
			_, err := fetch(t, f, serve(t, c.handler), Validators{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestRetryAfterIsReported(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, err := fetch(t, fetcher(), url, Validators{})
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 429 || he.RetryAfter != 2*time.Minute {
		t.Fatalf("got %v, want HTTP 429 with a 2m Retry-After", err)
	}
}

func TestFileFeedsAndItemsWithoutGUIDLinkOrDate(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>W</title>
<item><title>Undated report from Ramadi</title><description>No link, no guid, no date.</description></item>
<item><title>Undated report from Ramadi</title><description>The same item twice.</description></item>
<item><title>Dated in the future</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
</channel></rss>`
	p := filepath.Join(t.TempDir(), "feed.xml")
	os.WriteFile(p, []byte(doc), 0o644)
	f := fetcher()
	res1, err := fetch(t, f, "file://"+filepath.ToSlash(p), Validators{})
	if err != nil {
		t.Fatal(err)
	}
	res2, _ := fetch(t, f, "file://"+filepath.ToSlash(p), Validators{})
	if len(res1.Articles) != 2 {
		t.Fatalf("got %d articles, want 2 (the duplicate dropped): %+v", len(res1.Articles), res1.Articles)
	}
	for i := range res1.Articles {
		if !strings.HasPrefix(res1.Articles[i].Identity, "hash:") || res1.Articles[i].Identity != res2.Articles[i].Identity {
			t.Errorf("identity of an item without guid or link must be a stable hash: %q vs %q", res1.Articles[i].Identity, res2.Articles[i].Identity)
		}
	}
	if !res1.Articles[1].Published.IsZero() {
		t.Errorf("a date in 2100 should count as no date, got %s", res1.Articles[1].Published)
	}
}

func TestHTMLToText(t *testing.T) {
	cases := map[string]string{
		"<p>One &amp; two</p><p>Three&nbsp;four</p>":                  "One & two\nThree four",
		"<script>var x = '<p>no</p>';</script><style>p{}</style>Kept": "Kept",
		"Plain text with &lt;tags&gt; escaped":                        "Plain text with <tags> escaped",
		"<!channel> ISIS leader <@U999> <https://evil.example|click>": "<!channel> ISIS leader <@U999> <https://evil.example|click>",
		"<b>Bold</b> and <a href='x'>link</a><br>next":                "Bold and link\nnext",
		"<!-- a comment -->visible":                                   "visible",
	}
	for in, want := range cases {
		if got := HTMLToText(in); got != want {
			t.Errorf("HTMLToText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadDocumentTellsFeedsPagesAndPlainTextApart(t *testing.T) {
	f := fetcher()
	page := `<!DOCTYPE html><html><head><title>Wire — Iraq</title><script>var x="leader";</script></head>
<body><nav>Home | Sport | leader board</nav><main><h1>Raid in Ramadi</h1><p>Coalition forces raided a hideout.</p></main><footer>© Wire</footer></body></html>`
	arts, kind, err := f.ReadDocument([]byte(page), "", Source{Name: "page", URL: "https://wire.example/iraq/raid"})
	if len(arts) != 1 || kind != KindPage || err == nil || !strings.Contains(err.Error(), "it is an HTML page") {
		t.Fatalf("page (read as %s): %v %+v; want one article and the refusal a poll gives", kind, err, arts)
	}
	if a := arts[0]; a.Title != "Wire — Iraq" || a.Content != "Raid in Ramadi\nCoalition forces raided a hideout." || a.Link != "https://wire.example/iraq/raid" {
		t.Errorf("page article = %+v: want the title and the <main> text only", a)
	}
	arts, kind, _ = f.ReadDocument([]byte("\n\nLeader killed\n\nThe leader was killed.\n"), "", Source{Name: "text"})
	if kind != KindText || len(arts) != 1 || arts[0].Title != "Leader killed" || arts[0].Content != "The leader was killed." {
		t.Errorf("plain text = %+v", arts)
	}
	arts, kind, _ = f.ReadDocument([]byte(rssDoc), "", Source{Name: "feed"})
	if kind != KindFeed || len(arts) != 1 || arts[0].Title != "Islamic State leader killed in Anbar" {
		t.Errorf("feed = %+v", arts)
	}
}

func TestManyFeedsOnOneHostReuseAFewConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssDoc)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	const concurrency = 4
	f := NewFetcher(5*time.Second, 1<<20, "test").WithConcurrency(concurrency)
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i := range 2 { // two passes, as a daemon polls
		for j := range 300 {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := f.Fetch(context.Background(), Source{Name: "f", URL: srv.URL}, Validators{}); err != nil {
					t.Errorf("pass %d feed %d: %v", i, j, err)
				}
			})
		}
		wg.Wait()
	}
	if n := conns.Load(); n > 2*concurrency {
		t.Errorf("600 fetches opened %d connections, want at most %d", n, 2*concurrency)
	}
}

// TestTheLimitHoldsWhateverTheBodyAnnounces: a body announcing its
// length is held to the limit as one that does not, and a small one is
// read whole.
func TestTheLimitHoldsWhateverTheBodyAnnounces(t *testing.T) {
	big := strings.Replace(rssDoc, "</channel>", "<!--"+strings.Repeat("x", 3<<20)+"--></channel>", 1)
	for name, body := range map[string]string{"small": rssDoc, "big": big} {
		url := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			io.WriteString(w, body)
		})
		res, err := fetch(t, fetcher(), url, Validators{})
		if name == "small" && (err != nil || len(res.Articles) != 1) {
			t.Errorf("a small body with its length: %+v %v", res, err)
		}
		if name == "big" && !errors.Is(err, ErrTooLarge) {
			t.Errorf("3 MiB announced, with a 1 MiB limit: got %v", err)
		}
	}
}

// TestAnArticleOutlivesTheBufferItWasReadFrom: bodies are read into
// reused buffers, so what one fetch returned must not change when the
// next fetch reads another body into the same buffer.
func TestAnArticleOutlivesTheBufferItWasReadFrom(t *testing.T) {
	f := fetcher()
	var got []article.Article
	for _, title := range []string{"Raid in Ramadi leaves three dead", "Convoy ambushed near Fallujah at dawn"} {
		body := strings.Replace(rssDoc, "<channel>", "<channel><item><guid>x</guid><title>"+title+"</title></item>", 1)
		url := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
		res, err := fetch(t, f, url, Validators{})
		if err != nil || len(res.Articles) == 0 {
			t.Fatalf("%+v %v", res, err)
		}
		got = append(got, res.Articles[0])
	}
	if got[0].Title != "Raid in Ramadi leaves three dead" || got[1].Title != "Convoy ambushed near Fallujah at dawn" {
		t.Errorf("titles %q and %q: the first fetch's article changed with the second body", got[0].Title, got[1].Title)
	}
}
