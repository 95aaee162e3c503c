package daemon

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedwatch/feedwatch/internal/store"
)

// metrics are the daemon's Prometheus metrics, on a registry of their own.
// Labels are few and bounded: results, and rule ids (rules are files an
// operator writes); never URLs or article ids.
type metrics struct {
	reg            *prometheus.Registry
	fetches        *prometheus.CounterVec
	fetchDuration  prometheus.Histogram
	newArticles    prometheus.Counter
	matches        *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	rateLimitWaits prometheus.Counter
	ruleReloads    *prometheus.CounterVec
	lastPoll       prometheus.Gauge
	rulesLoaded    prometheus.Gauge
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_fetches_total", Help: "Feed fetches by result: ok, not_modified or error.",
		}, []string{"result"}),
		fetchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "feedwatch_fetch_duration_seconds", Help: "Time to fetch and parse one feed.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40},
		}),
		newArticles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_new_articles_total", Help: "Articles seen for the first time, or changed.",
		}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_matches_total", Help: "New matches by rule id.",
		}, []string{"rule"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_deliveries_total", Help: "Delivery attempts by result: sent, retry, rate_limited, failed or merged.",
		}, []string{"result"}),
		rateLimitWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_slack_rate_limit_waits_total", Help: "Times Slack answered 429 and a post waited for Retry-After.",
		}),
		ruleReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_rule_reloads_total", Help: "Rule reloads by result: ok or error.",
		}, []string{"result"}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_last_successful_poll_timestamp_seconds", Help: "When a feed was last fetched successfully (Unix time).",
		}),
		rulesLoaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_rules_loaded", Help: "Rules in force.",
		}),
	}
	outbox := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "feedwatch_outbox_pending", Help: "Deliveries waiting to be posted.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		counts, err := st.DeliveryCounts(ctx)
		if err != nil {
			return -1
		}
		return float64(counts[store.Pending])
	})
	m.reg.MustRegister(m.fetches, m.fetchDuration, m.newArticles, m.matches, m.deliveries,
		m.rateLimitWaits, m.ruleReloads, m.lastPoll, m.rulesLoaded, outbox,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{"ok", "not_modified", "error"} {
		m.fetches.WithLabelValues(r)
	}
	for _, r := range []string{"sent", "retry", "rate_limited", "failed", "merged"} {
		m.deliveries.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.ruleReloads.WithLabelValues(r)
	}
	return m
}
