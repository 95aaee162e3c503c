package metrics

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestReloadsFeedsAndTheBuildAreVisible(t *testing.T) {
	m := New(func(context.Context) (int, error) { return 3, nil })
	m.Fetched("Wire", "ok")
	m.Fetched("Wire", "error")
	m.ConfigReloaded(false)
	out := scrape(t, m)
	for _, want := range []string{
		`feedwatch_feed_fetches_total{feed="Wire",result="ok"} 1`,
		`feedwatch_feed_fetches_total{feed="Wire",result="error"} 1`,
		`feedwatch_config_last_reload_successful 0`,
		`feedwatch_outbox_pending 3`,
		`feedwatch_build_info{`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	m.ConfigReloaded(true)
	if !strings.Contains(scrape(t, m), `feedwatch_config_last_reload_successful 1`) {
		t.Error("a good reload does not show")
	}
}

// TestFeedSeriesAreTheVectorsSeries: the per-feed table shows, after any
// run of fetches and feed states, the series the client library's own
// vectors show for the same calls — the same names, labels and values (a
// success's time to within seconds: each side reads the clock).
func TestFeedSeriesAreTheVectorsSeries(t *testing.T) {
	m := New(func(context.Context) (int, error) { return 0, nil })
	reg := prometheus.NewRegistry()
	fetches := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "feedwatch_feed_fetches_total", Help: "x"}, []string{"feed", "result"})
	last := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "feedwatch_feed_last_success_timestamp_seconds", Help: "x"}, []string{"feed"})
	fails := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "feedwatch_feed_consecutive_failures", Help: "x"}, []string{"feed"})
	reg.MustRegister(fetches, last, fails)
	rng := rand.New(rand.NewPCG(24, 3))
	feeds := []string{"Wire", "Reuters Iraq", `Odd "name"`, "Al Jazeera"}
	for range 500 {
		feed := feeds[rng.IntN(len(feeds))]
		if rng.IntN(3) > 0 {
			result := fetchResults[rng.IntN(len(fetchResults))]
			m.Fetched(feed, result)
			fetches.WithLabelValues(feed, result).Inc()
			if result != "error" {
				last.WithLabelValues(feed).SetToCurrentTime()
			}
			continue
		}
		at, n := time.Unix(int64(rng.IntN(2e9)), 0), rng.IntN(5)
		if rng.IntN(4) == 0 {
			at = time.Time{}
		}
		m.FeedState(feed, at, n)
		if at.IsZero() {
			last.WithLabelValues(feed).Set(0)
		} else {
			last.WithLabelValues(feed).Set(float64(at.Unix()))
		}
		fails.WithLabelValues(feed).Set(float64(n))
	}
	m.FeedState("Quiet", time.Time{}, 0) // never fetched: no fetch series, its gauges at 0
	last.WithLabelValues("Quiet").Set(0)
	fails.WithLabelValues("Quiet").Set(0)
	m.Fetched("Fresh", "ok") // fetched once: one fetch series, no failure gauge
	fetches.WithLabelValues("Fresh", "ok").Inc()
	last.WithLabelValues("Fresh").SetToCurrentTime()
	got, want := feedSeries(t, m.reg), feedSeries(t, reg)
	if len(got) != len(want) {
		t.Fatalf("%d series, the vectors show %d:\n%v\n%v", len(got), len(want), got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || math.Abs(g-w) > 5 {
			t.Errorf("%s = %v (shown: %v), the vectors say %v", k, g, ok, w)
		}
	}
}

// feedSeries are the per-feed series reg shows, by name and labels.
func feedSeries(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "feedwatch_feed_") {
			continue
		}
		for _, mt := range mf.GetMetric() {
			k := mf.GetName()
			for _, l := range mt.GetLabel() {
				k += fmt.Sprintf(" %s=%q", l.GetName(), l.GetValue())
			}
			out[k] = mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
		}
	}
	return out
}

// TestFailingFeedsAreThoseFailingNow: /readyz's list is the feeds whose
// last state has failures, sorted; a feed that recovers leaves it, and a
// fetch alone (no state yet) puts no feed on it.
func TestFailingFeedsAreThoseFailingNow(t *testing.T) {
	m := New(func(context.Context) (int, error) { return 0, nil })
	m.FeedState("Wire", time.Time{}, 3)
	m.FeedState("Al Jazeera", time.Now(), 1)
	m.FeedState("Reuters", time.Now(), 0)
	m.Fetched("Fresh", "error")
	if got, want := m.Failing(), []string{"Al Jazeera (1 in a row)", "Wire (3 in a row)"}; !slices.Equal(got, want) {
		t.Fatalf("failing %q, want %q", got, want)
	}
	m.FeedState("Wire", time.Now(), 0)
	if got := m.Failing(); !slices.Equal(got, []string{"Al Jazeera (1 in a row)"}) {
		t.Errorf("after Wire recovered: %q", got)
	}
}
