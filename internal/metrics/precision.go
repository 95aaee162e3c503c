package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WatchPrecision exports feedwatch_rule_precision{rule}: each rule's
// precision estimated from analysts' feedback (read from the database
// when scraped with read, which gives rule id → estimate).
func (m *Metrics) WatchPrecision(read func(ctx context.Context) (map[string]float64, error)) {
	m.reg.MustRegister(&precision{read: read, desc: prometheus.NewDesc("feedwatch_rule_precision",
		"A rule's precision over the last 30 days from analysts' feedback: its posted alerts nobody called not relevant within a day, over those and the ones called not relevant.",
		[]string{"rule"}, nil)})
}

type precision struct {
	read func(ctx context.Context) (map[string]float64, error)
	desc *prometheus.Desc
}

func (p *precision) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }

func (p *precision) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	est, err := p.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(p.desc, err)
		return
	}
	for rule, v := range est {
		ch <- prometheus.MustNewConstMetric(p.desc, prometheus.GaugeValue, v, rule)
	}
}

// WatchSilences exports feedwatch_silences_active: the silences in force
// (read from the database when scraped; -1 when it does not answer).
func (m *Metrics) WatchSilences(count func(ctx context.Context) (int, error)) {
	m.reg.MustRegister(countGauge("feedwatch_silences_active", "Silences in force now (rules, feeds, queries or stories muted).", count))
}
