package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
)

// HostileSize is how big each hostile document is: just under the default
// 10 MiB body limit.
const HostileSize = 10<<20 - 4096

// Hostile is a document built to hurt a feed reader.
type Hostile struct {
	Name string
	Body func() []byte
}

const rssHead = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:x="urn:x"><channel><title>Hostile</title><link>https://hostile.example/</link>`

func item(guid, title, description string) string {
	return fmt.Sprintf("<item><guid>%s</guid><title>%s</title><pubDate>%s</pubDate><description>%s</description></item>",
		guid, title, time.Now().UTC().Format(time.RFC1123Z), description)
}

// fill repeats unit after head until the document is HostileSize, then
// appends tail.
func fill(head, unit, tail string) []byte {
	n := max((HostileSize-len(head)-len(tail))/len(unit), 0)
	return []byte(head + strings.Repeat(unit, n) + tail)
}

// HostileFeeds are the cases of docs/benchmarks.md's hostile-inputs table.
var HostileFeeds = []Hostile{
	{"unclosed elements nested 2 million deep", func() []byte {
		return fill(rssHead+item("1", "Leader killed in Anbar", "Iraqi forces killed the leader."), "<x:a>", "")
	}},
	{"closed elements nested 250 deep, 390 times", func() []byte {
		unit := strings.Repeat(`<x:a v="`+strings.Repeat("v", 100)+`">`, 250) + strings.Repeat("</x:a>", 250)
		return fill(rssHead+item("1", "Leader killed", "x"), unit, "</channel></rss>")
	}},
	{"99,000 elements with long attributes", func() []byte {
		unit := `<x:a v="` + strings.Repeat("v", 90) + `"/>`
		return []byte(rssHead + item("1", "Leader killed", "x") + strings.Repeat(unit, feed.MaxElements-1000) + "</channel></rss>")
	}},
	{"one item of 10 MB", func() []byte {
		head := rssHead + `<item><guid>1</guid><title>ISIS leader killed</title><description>`
		return fill(head, "ISIS leader zebra. ", "</description></item></channel></rss>")
	}},
	{"24,000 small items", func() []byte {
		var b strings.Builder
		b.WriteString(rssHead)
		for i := 0; b.Len() < HostileSize-300; i++ {
			fmt.Fprintf(&b, "<item><guid>%d</guid><title>Item %d about the leader</title><description>%s</description></item>", i, i, strings.Repeat("w", 340))
		}
		b.WriteString("</channel></rss>")
		return []byte(b.String())
	}},
	{"a million elements (refused)", func() []byte {
		return fill(rssHead+item("1", "Leader killed", "x"), "<x:a/>", "</channel></rss>")
	}},
}

// HostilePass polls the given documents, each served as its own feed,
// with fetch.concurrency 8, the rules in rulesDir and a fresh database in
// dir. It returns how long the pass took and each feed's error.
func HostilePass(bodies [][]byte, rulesDir, dir string) (time.Duration, map[string]error, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d", &n); err != nil || n < 0 || n >= len(bodies) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(bodies[n])
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.RulesDir = rulesDir
	cfg.Storage.Path = filepath.Join(dir, "feedwatch.db")
	cfg.Server.Listen = ""
	cfg.Fetch.Concurrency = 8
	for i := range bodies {
		cfg.Feeds = append(cfg.Feeds, config.Feed{Name: fmt.Sprintf("Hostile %d", i), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)})
	}
	p, err := open(&cfg)
	if err != nil {
		return 0, nil, err
	}
	defer p.Close()
	start := time.Now()
	res := p.Daemon.PollAll(context.Background())
	return time.Since(start), res.Failed, nil
}

// ShippedRules is the repository's rules folder, found from the working
// directory or its parents.
func ShippedRules() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "rules"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
