package bench

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/config"
)

// FeedServer serves nFeeds RSS feeds of items fresh items each on
// loopback, at /feed/N, with an ETag: a conditional request gets 304.
type FeedServer struct {
	*httptest.Server
	bodies [][]byte
	// Conns counts the TCP connections clients opened.
	Conns atomic.Int64
}

// NewFeedServer generates the feeds and starts serving them.
func NewFeedServer(w *Workload, nFeeds, items int) *FeedServer {
	fs := &FeedServer{bodies: make([][]byte, nFeeds)}
	now := time.Now()
	for i := range fs.bodies {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed %d</title><link>https://news%d.example.com/</link>`, i, i)
		for j := range items {
			a := w.Article(i*items + j)
			fmt.Fprintf(&b, "<item><guid>%d-%d</guid><title>%s</title><link>https://news%d.example.com/story/%d</link><pubDate>%s</pubDate><description>%s</description></item>",
				i, j, html.EscapeString(a.Title), i, j, now.Add(-time.Duration(j)*time.Minute).UTC().Format(time.RFC1123Z),
				html.EscapeString("<p>"+a.Summary+"</p><p>"+a.Content[:min(len(a.Content), 1200)]+"</p>"))
		}
		b.WriteString("</channel></rss>")
		fs.bodies[i] = []byte(b.String())
	}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d", &n); err != nil || n < 0 || n >= len(fs.bodies) {
			http.NotFound(rw, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		rw.Header().Set("ETag", `"v1"`)
		rw.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		rw.Write(fs.bodies[n])
	}))
	fs.Server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			fs.Conns.Add(1)
		}
	}
	fs.Start()
	return fs
}

// Poller is feedwatch on a fresh database, polling a FeedServer.
type Poller struct {
	P   *app.Program
	dir string
}

// NewPoller writes nRules generated rule files and a configuration for
// every feed of fs, opens a fresh database in dir and builds the daemon.
func NewPoller(w *Workload, fs *FeedServer, nRules int, dir string) (*Poller, error) {
	rulesDir, err := writeRules(w, nRules, dir)
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.RulesDir = rulesDir
	cfg.Storage.Path = filepath.Join(dir, "feedwatch.db")
	cfg.Server.Listen = ""
	for i := range fs.bodies {
		cfg.Feeds = append(cfg.Feeds, config.Feed{Name: fmt.Sprintf("Feed %d", i), URL: fmt.Sprintf("%s/feed/%d", fs.URL, i)})
	}
	p, err := open(&cfg)
	if err != nil {
		return nil, err
	}
	return &Poller{P: p, dir: dir}, nil
}

// writeRules writes nRules generated rule files into dir/rules.
func writeRules(w *Workload, nRules int, dir string) (string, error) {
	rulesDir := filepath.Join(dir, "rules")
	if err := os.MkdirAll(rulesDir, 0o755); err != nil {
		return "", err
	}
	for i := range nRules {
		q := strings.ReplaceAll(w.Query(), "'", "''")
		body := fmt.Sprintf("name: Rule %d\nquery: '%s'\n", i, q)
		if err := os.WriteFile(filepath.Join(rulesDir, fmt.Sprintf("rule-%04d.yaml", i)), []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	return rulesDir, nil
}

// WriteSetup writes what NewPoller builds as files, for the binary: the
// rules and a config.yaml with every feed of fs (fetched as the benchmark
// does: no Slack, no endpoints, a database in dir). It returns the
// configuration's path.
func WriteSetup(w *Workload, fs *FeedServer, nRules int, dir string) (string, error) {
	return WriteSetupOf(w, fs, len(fs.bodies), nRules, dir)
}

// WriteSetupOf is WriteSetup on the server's first nFeeds feeds only.
func WriteSetupOf(w *Workload, fs *FeedServer, nFeeds, nRules int, dir string) (string, error) {
	if _, err := writeRules(w, nRules, dir); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("rules_dir: rules\nstorage: {path: feedwatch.db}\nserver: {listen: \"\"}\nfetch: {user_agent: feedwatch-bench}\nfeeds:\n")
	for i := range min(nFeeds, len(fs.bodies)) {
		fmt.Fprintf(&b, "  - {name: \"Feed %d\", url: \"%s/feed/%d\"}\n", i, fs.URL, i)
	}
	path := filepath.Join(dir, "config.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// OpenConfig builds feedwatch on the configuration file at path (as
// WriteSetup writes one), as the binary does.
func OpenConfig(path string) (*Poller, error) {
	cfg, err := config.Load(path, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	p, err := open(cfg)
	if err != nil {
		return nil, err
	}
	return &Poller{P: p, dir: filepath.Dir(path)}, nil
}

// open builds feedwatch on cfg as feedwatch run does (app.Open), printing
// its alerts nowhere. The caller closes it.
func open(cfg *config.Config) (*app.Program, error) {
	cfg.Fetch.UserAgent = "feedwatch-bench"
	return app.Open(context.Background(), cfg, app.Options{})
}

// Close closes the database.
func (p *Poller) Close() error { return p.P.Close() }

// Poll polls every feed once and fails if any feed failed.
func (p *Poller) Poll() error {
	res := p.P.Daemon.PollAll(context.Background())
	for name, err := range res.Failed {
		return fmt.Errorf("%d feeds failed, %s: %w", len(res.Failed), name, err)
	}
	return nil
}

// PollBench returns a benchmark of one poll of nFeeds feeds × items new
// items against nRules rules on a fresh database; with notModified, the
// timed poll is the one after, when every feed answers 304.
func PollBench(nFeeds, items, nRules int, notModified bool) func(*testing.B) {
	return func(b *testing.B) {
		b.StopTimer() // generating the feeds is not the poll (it was counted in the first run: 2 s)
		w := New(42)
		fs := NewFeedServer(w, nFeeds, items)
		defer fs.Close()
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			p, err := NewPoller(New(7), fs, nRules, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			if notModified {
				if err := p.Poll(); err != nil {
					b.Fatal(err)
				}
			}
			start := cpuTime()
			b.StartTimer()
			if err := p.Poll(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cpu += cpuTime() - start
			p.Close()
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// cpuTime is the process's CPU time (user and system) so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FloorBench returns a benchmark of the floor any gofeed-based poller
// stands on (Floor), on the same loopback feeds as PollBench. It reports
// the CPU time (cpu-s/op) beside the wall time, as PollBench does, so
// that feedwatch's figures can be given as ratios to it.
func FloorBench(nFeeds, items int) func(*testing.B) {
	return func(b *testing.B) {
		b.StopTimer()
		w := New(42)
		fs := NewFeedServer(w, nFeeds, items)
		defer fs.Close()
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			start := cpuTime()
			b.StartTimer()
			err := Floor(fs.URL, nFeeds, true)
			b.StopTimer()
			cpu += cpuTime() - start
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// Floor fetches feeds /feed/0 … /feed/nFeeds-1 of a FeedServer at base
// with fetch.concurrency's default of 8 at a time over reused
// connections, and parses each with gofeed, keeping nothing: what any
// gofeed-based poller spends on a cold pass. With imageScan, gofeed's
// default parser (issue 24's floor); without, one that does not parse
// each item's HTML for a first image, as feedwatch's does not (a
// stricter floor). It returns the first error.
func Floor(base string, nFeeds int, imageScan bool) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	urls := make(chan string)
	errs := make(chan error, nFeeds)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for u := range urls {
				resp, err := client.Get(u)
				if err != nil {
					errs <- err
					continue
				}
				parser := gofeed.NewParser()
				if !imageScan {
					parser.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
				}
				if _, err := parser.Parse(resp.Body); err != nil {
					errs <- fmt.Errorf("%s: %w", u, err)
				}
				resp.Body.Close()
			}
		})
	}
	for n := range nFeeds {
		urls <- fmt.Sprintf("%s/feed/%d", base, n)
	}
	close(urls)
	wg.Wait()
	close(errs)
	return <-errs // nil when none
}
