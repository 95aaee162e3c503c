package metrics

import (
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// feedMetrics are per feed: feeds are a bounded set an operator
// configures, so their names are safe labels (never URLs).
type feedMetrics struct {
	fetches     *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
}

func newFeedMetrics(reg *prometheus.Registry) feedMetrics {
	f := feedMetrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_feed_fetches_total", Help: "Fetches of each feed by result: ok, not_modified or error.",
		}, []string{"feed", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwatch_feed_last_success_timestamp_seconds", Help: "When each feed was last fetched successfully (Unix time).",
		}, []string{"feed"}),
	}
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
	reg.MustRegister(f.fetches, f.lastSuccess, build)
	return f
}

// Fetched counts a fetch of a feed: result is ok, not_modified or error.
func (m *Metrics) Fetched(feed, result string) {
	m.feeds.fetches.WithLabelValues(feed, result).Inc()
	if result != "error" {
		m.feeds.lastSuccess.WithLabelValues(feed).SetToCurrentTime()
	}
}
