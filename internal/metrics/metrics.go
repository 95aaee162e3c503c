// Package metrics holds feedwatch's Prometheus metrics, on a registry of
// their own. They are made once per process, so they keep counting across
// configuration reloads.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the daemon's metrics. Labels are few and bounded: results,
// and rule ids (rules are files an operator writes); never URLs or article
// ids.
type Metrics struct {
	reg            *prometheus.Registry
	Fetches        *prometheus.CounterVec
	FetchDuration  prometheus.Histogram
	NewArticles    prometheus.Counter
	Matches        *prometheus.CounterVec
	Deliveries     *prometheus.CounterVec
	RateLimitWaits prometheus.Counter
	RuleReloads    *prometheus.CounterVec
	LastPoll       prometheus.Gauge
	RulesLoaded    prometheus.Gauge
	feeds          feedMetrics
	DeliveryPaused prometheus.Gauge
	TokenRefused   prometheus.Gauge
	StorageErrors  *prometheus.CounterVec
	SilencedTotal  *prometheus.CounterVec
	Floods         prometheus.Counter
	RuleFeedback   *prometheus.CounterVec
}

// New makes the metrics; pending says how many deliveries wait (-1 when
// it cannot tell).
func New(pending func(ctx context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		Fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_fetches_total", Help: "Feed fetches by result: ok, not_modified or error.",
		}, []string{"result"}),
		FetchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "feedwatch_fetch_duration_seconds", Help: "Time to fetch and parse one feed.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40},
		}),
		NewArticles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_new_articles_total", Help: "Articles seen for the first time, or changed.",
		}),
		Matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_matches_total", Help: "New matches by rule id.",
		}, []string{"rule"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_deliveries_total", Help: "Deliveries by outcome, one per alert or message: sent, retry, rate_limited, failed, or merged (into an earlier post, a digest or a flood summary).",
		}, []string{"result"}),
		RateLimitWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_slack_rate_limit_waits_total", Help: "Times Slack answered 429 and a post waited for Retry-After.",
		}),
		RuleReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_rule_reloads_total", Help: "Rule reloads by result: ok or error.",
		}, []string{"result"}),
		LastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_last_successful_poll_timestamp_seconds", Help: "When a feed was last fetched successfully (Unix time).",
		}),
		DeliveryPaused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_delivery_paused", Help: "1 while posting is paused because outcomes cannot be recorded.",
		}),
		TokenRefused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_slack_token_refused", Help: "1 while Slack refuses the token or webhook: nothing is posted.",
		}),
		StorageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_storage_errors_total", Help: "Database operations that failed, by stage: poll or delivery.",
		}, []string{"stage"}),
		RulesLoaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_rules_loaded", Help: "Rules in force.",
		}),
		Floods: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_floods_total", Help: "Times alerts waiting for a channel beyond slack.flood_after were gathered into summaries.",
		}),
		SilencedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_silenced_total", Help: "Matches recorded but not posted because a silence held them, by rule id.",
		}, []string{"rule"}),
		RuleFeedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_rule_feedback_total", Help: "Analysts' verdicts given from Slack by this process on a rule's alerts, by rule id and verdict (not_relevant). feedwatch_rule_precision has the estimate they make.",
		}, []string{"rule", "verdict"}),
	}
	m.reg.MustRegister(m.RuleFeedback, m.Fetches, m.FetchDuration, m.NewArticles, m.Matches, m.Deliveries,
		m.RateLimitWaits, m.RuleReloads, m.LastPoll, m.RulesLoaded, m.DeliveryPaused, m.TokenRefused, m.StorageErrors, m.Floods, m.SilencedTotal, outboxGauge(pending),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.feeds = newFeedMetrics(m.reg)
	m.preset()
	return m
}

// outboxGauge reads how many deliveries wait when scraped (-1 when the
// database does not say).
func outboxGauge(pending func(ctx context.Context) (int, error)) prometheus.GaugeFunc {
	return countGauge("feedwatch_outbox_pending", "Deliveries waiting to be posted.", pending)
}

// countGauge is a gauge read with count when scraped, within 2 s; -1
// when it cannot tell.
func countGauge(name, help string, count func(ctx context.Context) (int, error)) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
}

// preset creates every label value, so that a counter reads 0 before its
// first event instead of being absent.
func (m *Metrics) preset() {
	for _, r := range []string{"ok", "not_modified", "error"} {
		m.Fetches.WithLabelValues(r)
	}
	for _, r := range []string{"sent", "retry", "rate_limited", "failed", "merged"} {
		m.Deliveries.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.RuleReloads.WithLabelValues(r)
	}
	for _, r := range []string{"poll", "delivery"} {
		m.StorageErrors.WithLabelValues(r)
	}
}

// Handler serves the metrics in Prometheus' format.
func (m *Metrics) Handler() http.Handler {
	// A collector that fails (a /proc file hidden by a sandbox) must not
	// take the other metrics down with it.
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Delivered counts a delivery outcome (the outbox's observer); "paused"
// and "resumed" set feedwatch_delivery_paused.
func (m *Metrics) Delivered(result string) {
	switch result {
	case "paused":
		m.DeliveryPaused.Set(1)
		m.StorageErrors.WithLabelValues("delivery").Inc()
		return
	case "resumed":
		m.DeliveryPaused.Set(0)
		return
	case "refused":
		m.TokenRefused.Set(1)
		return
	case "accepted":
		m.TokenRefused.Set(0)
		return
	case "flood":
		m.Floods.Inc()
		return
	case "rate_limited":
		m.RateLimitWaits.Inc()
	}
	m.Deliveries.WithLabelValues(result).Inc()
}

// Polled counts a successful fetch, the new or changed articles it gave
// and the rule of each new match.
func (m *Metrics) Polled(notModified bool, newArticles int, rules []string) {
	result := "ok"
	if notModified {
		result = "not_modified"
	}
	m.Fetches.WithLabelValues(result).Inc()
	m.LastPoll.SetToCurrentTime()
	m.NewArticles.Add(float64(newArticles))
	for _, r := range rules {
		m.Matches.WithLabelValues(r).Inc()
	}
}
