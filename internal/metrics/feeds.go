package metrics

import (
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// feedMetrics are per feed: feeds are a bounded set an operator
// configures, so their names are safe labels (never URLs).
type feedMetrics struct {
	fetches     *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.GaugeVec
	reloadOK    prometheus.Gauge
	reloadAt    prometheus.Gauge
	failing     *failingFeeds
}

// failingFeeds are the feeds failing now, with their consecutive failures,
// for /readyz.
type failingFeeds struct {
	mu sync.Mutex
	n  map[string]int
}

func newFeedMetrics(reg *prometheus.Registry) feedMetrics {
	f := feedMetrics{
		failing: &failingFeeds{n: map[string]int{}},
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_feed_fetches_total", Help: "Fetches of each feed by result: ok, not_modified or error.",
		}, []string{"feed", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwatch_feed_last_success_timestamp_seconds", Help: "When each feed was last fetched successfully (Unix time; 0 for never).",
		}, []string{"feed"}),
		failures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwatch_feed_consecutive_failures", Help: "How many times in a row each feed has failed (0 once it succeeds).",
		}, []string{"feed"}),
	}
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
	reg.MustRegister(f.fetches, f.lastSuccess, f.failures, f.reloadOK, f.reloadAt, build)
	return f
}

// Fetched counts a fetch of a feed: result is ok, not_modified or error.
func (m *Metrics) Fetched(feed, result string) {
	m.feeds.fetches.WithLabelValues(feed, result).Inc()
	if result != "error" {
		m.feeds.lastSuccess.WithLabelValues(feed).SetToCurrentTime()
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
	m.feeds.lastSuccess.WithLabelValues(feed).Set(at)
	m.feeds.failures.WithLabelValues(feed).Set(float64(failures))
	f := m.feeds.failing
	f.mu.Lock()
	defer f.mu.Unlock()
	if failures > 0 {
		f.n[feed] = failures
	} else {
		delete(f.n, feed)
	}
}

// Failing names the feeds failing now, with how many times in a row:
// "Wire (3 failures)", sorted.
func (m *Metrics) Failing() []string {
	f := m.feeds.failing
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.n))
	for feed, n := range f.n {
		out = append(out, fmt.Sprintf("%s (%d in a row)", feed, n))
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
