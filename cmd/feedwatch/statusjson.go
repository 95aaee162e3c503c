package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/secret"
	"github.com/feedwatch/feedwatch/internal/store"
)

// statusReport is status -o json: what the text shows, for scripts.
type statusReport struct {
	Feeds      []feedStatus          `json:"feeds"`
	Rules      []ruleStatus          `json:"rules_on_disk"`
	RulesError string                `json:"rules_error,omitempty"`
	Deliveries map[article.State]int `json:"deliveries"`
	Failed     []deliveryStatus      `json:"failed"`
	Recent     []deliveryStatus      `json:"recent"`
}

type feedStatus struct {
	Name        string     `json:"name"`
	LastSuccess *time.Time `json:"last_success"`
	Failures    int        `json:"failures"`
	NextPoll    string     `json:"next_poll"`
	LastError   string     `json:"last_error,omitempty"`
}

type ruleStatus struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

type deliveryStatus struct {
	At      time.Time     `json:"at"`
	State   article.State `json:"state"`
	Channel string        `json:"channel"`
	Title   string        `json:"title"`
	Rules   []string      `json:"rules,omitempty"`
	Error   string        `json:"error,omitempty"`
}

func statusJSON(ctx context.Context, e env, cfg *config.Config, st *store.Store) error {
	var r statusReport
	byName, err := feedStates(ctx, st)
	if err != nil {
		return err
	}
	for _, f := range cfg.Feeds {
		s := byName[f.Name]
		fs := feedStatus{Name: f.Name, Failures: s.Failures, NextPoll: nextPoll(cfg, f, s, time.Now()), LastError: secret.Redact(s.LastError)}
		if !s.LastSuccess.IsZero() {
			fs.LastSuccess = &s.LastSuccess
		}
		r.Feeds = append(r.Feeds, fs)
	}
	if set, err := rules.LoadDir(cfg.RulesDir); err != nil {
		r.RulesError = err.Error()
	} else {
		for _, rule := range set.Rules {
			r.Rules = append(r.Rules, ruleStatus{rule.ID, rule.Name, rule.Enabled})
		}
	}
	if r.Deliveries, err = st.DeliveryCounts(ctx); err != nil {
		return err
	}
	for _, list := range []struct {
		state article.State
		into  *[]deliveryStatus
	}{{article.Failed, &r.Failed}, {"", &r.Recent}} {
		ds, err := st.Recent(ctx, list.state, 10)
		if err != nil {
			return err
		}
		*list.into = []deliveryStatus{}
		for _, d := range ds {
			*list.into = append(*list.into, deliveryStatus{At: d.Updated, State: d.State, Channel: d.Channel(),
				Title: headline(d.Message), Rules: article.Summary(d.Message).Rules, Error: secret.Redact(d.LastError)})
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
