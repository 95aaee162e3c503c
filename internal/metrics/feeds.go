package metrics

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// feedMetrics are per feed: feeds are a bounded set an operator
// configures, so their names are safe labels (never URLs).
type feedMetrics struct {
	table    *feedTable
	reloadOK prometheus.Gauge
	reloadAt prometheus.Gauge
}

// feedTable holds the per-feed series (fetches by result, last success,
// consecutive failures) as one small row a feed, and makes them into
// series when scraped. Kept as the client library's vectors, 10,000 feeds
// took 12 MB (a metric, a label set and map entries a series); as rows,
// under 1 MB. The series are the vectors' own: a counter appears once
// counted, a gauge once set (TestFeedSeriesAreTheVectorsSeries).
type feedTable struct {
	mu                          sync.Mutex
	rows                        map[string]*feedRow
	fetches, lastSuccess, fails *prometheus.Desc
}

type feedRow struct {
	fetches           [len(fetchResults)]float64
	lastSuccess, fail float64
	hasLast, hasFail  bool
}

// fetchResults are feedwatch_feed_fetches_total's results.
var fetchResults = [...]string{"ok", "not_modified", "error"}

func newFeedTable() *feedTable {
	return &feedTable{rows: map[string]*feedRow{},
		fetches:     prometheus.NewDesc("feedwatch_feed_fetches_total", "Fetches of each feed by result: ok, not_modified or error.", []string{"feed", "result"}, nil),
		lastSuccess: prometheus.NewDesc("feedwatch_feed_last_success_timestamp_seconds", "When each feed was last fetched successfully (Unix time; 0 for never).", []string{"feed"}, nil),
		fails:       prometheus.NewDesc("feedwatch_feed_consecutive_failures", "How many times in a row each feed has failed (0 once it succeeds).", []string{"feed"}, nil),
	}
}

// row is feed's row, made on first use; the caller holds mu.
func (t *feedTable) row(feed string) *feedRow {
	r := t.rows[feed]
	if r == nil {
		r = &feedRow{}
		t.rows[feed] = r
	}
	return r
}

// Describe implements prometheus.Collector.
func (t *feedTable) Describe(ch chan<- *prometheus.Desc) {
	ch <- t.fetches
	ch <- t.lastSuccess
	ch <- t.fails
}

// Collect implements prometheus.Collector.
func (t *feedTable) Collect(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for feed, r := range t.rows {
		for i, n := range r.fetches {
			if n > 0 {
				ch <- prometheus.MustNewConstMetric(t.fetches, prometheus.CounterValue, n, feed, fetchResults[i])
			}
		}
		if r.hasLast {
			ch <- prometheus.MustNewConstMetric(t.lastSuccess, prometheus.GaugeValue, r.lastSuccess, feed)
		}
		if r.hasFail {
			ch <- prometheus.MustNewConstMetric(t.fails, prometheus.GaugeValue, r.fail, feed)
		}
	}
}

func newFeedMetrics(reg *prometheus.Registry) feedMetrics {
	f := feedMetrics{table: newFeedTable()}
	f.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "feedwatch_config_last_reload_successful", Help: "1 when the last configuration reload (SIGHUP) was applied, 0 when it was refused.",
	})
	f.reloadAt = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "feedwatch_config_last_reload_success_timestamp_seconds", Help: "When the configuration was last loaded or reloaded (Unix time).",
	})
	f.reloadOK.Set(1)
	f.reloadAt.SetToCurrentTime()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "feedwatch_build_info", Help: "Always 1; its labels say which build runs.",
	}, []string{"version", "revision", "goversion"})
	version, revision, goversion := "dev", "", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		goversion = info.GoVersion
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	build.WithLabelValues(version, revision, goversion).Set(1)
	reg.MustRegister(f.table, f.reloadOK, f.reloadAt, build)
	return f
}

// Fetched counts a fetch of a feed: result is ok, not_modified or error.
func (m *Metrics) Fetched(feed, result string) {
	i := slices.Index(fetchResults[:], result)
	if i < 0 {
		return // the poll says only these three
	}
	t := m.feeds.table
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.row(feed)
	r.fetches[i]++
	if result != "error" {
		r.lastSuccess, r.hasLast = float64(time.Now().UnixNano())/1e9, true
	}
}

// FeedState sets a feed's health: when it last succeeded (zero: never,
// shown as 0 so that a stale-feed alert fires for a feed that never
// worked) and its consecutive failures.
func (m *Metrics) FeedState(feed string, lastSuccess time.Time, failures int) {
	at := 0.0
	if !lastSuccess.IsZero() {
		at = float64(lastSuccess.Unix())
	}
	t := m.feeds.table
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.row(feed)
	r.lastSuccess, r.hasLast, r.fail, r.hasFail = at, true, float64(failures), true
}

// Failing names the feeds failing now (their consecutive failures, as
// FeedState last set them), with how many times in a row: "Wire (3 in a
// row)", sorted.
func (m *Metrics) Failing() []string {
	t := m.feeds.table
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for feed, r := range t.rows {
		if r.fail > 0 {
			out = append(out, fmt.Sprintf("%s (%d in a row)", feed, int(r.fail)))
		}
	}
	sort.Strings(out)
	return out
}

// FetchDone counts one fetch of feed (its result: ok, not_modified or
// error) and how long fetching and parsing took; an error is counted in
// feedwatch_fetches_total here, a success by Polled once recorded.
func (m *Metrics) FetchDone(feed, result string, took time.Duration) {
	m.FetchDuration.Observe(took.Seconds())
	if result == "error" {
		m.Fetches.WithLabelValues("error").Inc()
	}
	m.Fetched(feed, result)
}

// StorageFailed counts a database operation that failed, by stage.
func (m *Metrics) StorageFailed(stage string) {
	m.StorageErrors.WithLabelValues(stage).Inc()
}

// Silenced counts a match a silence held (recorded, not posted).
func (m *Metrics) Silenced(rule string) { m.SilencedTotal.WithLabelValues(rule).Inc() }

// ConfigReloaded records the outcome of a configuration reload.
func (m *Metrics) ConfigReloaded(ok bool) {
	if !ok {
		m.feeds.reloadOK.Set(0)
		return
	}
	m.feeds.reloadOK.Set(1)
	m.feeds.reloadAt.SetToCurrentTime()
}
