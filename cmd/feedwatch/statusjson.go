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
// Times are RFC 3339 in UTC; a time that does not exist is null; every
// delivery state is counted, zeros included; rules_in_force is null when
// no daemon runs.
type statusReport struct {
	Daemon       daemonStatus                 `json:"daemon"`
	Feeds        []feedStatus                 `json:"feeds"`
	RulesInForce []rules.RuleRef              `json:"rules_in_force"`
	Rules        []rules.RuleRef              `json:"rules_on_disk"`
	RulesError   string                       `json:"rules_error,omitempty"`
	Deliveries   map[article.State]int        `json:"deliveries"`
	Silences     []article.Silence            `json:"silences"`  // in force now or to come
	Precision    map[string]article.Precision `json:"precision"` // by rule id, from analysts' feedback over 30 days; rules without any left out
	Failed       []deliveryStatus             `json:"failed"`
	Recent       []deliveryStatus             `json:"recent"`
	Processes    []store.Process              `json:"processes,omitempty"` // PostgreSQL: those alive, with their leases
}

type daemonStatus struct {
	Running bool   `json:"running"`
	Holder  string `json:"holder,omitempty"` // "feedwatch run (pid 42 on host, since …)"
}

type feedStatus struct {
	Name        string     `json:"name"`
	LastSuccess *time.Time `json:"last_success"`
	Failures    int        `json:"failures"`
	NextPoll    *time.Time `json:"next_poll"` // null when no daemon runs
	BackingOff  bool       `json:"backing_off"`
	LastError   string     `json:"last_error,omitempty"`
}

type deliveryStatus struct {
	At      time.Time     `json:"at"`
	State   article.State `json:"state"`
	Channel string        `json:"channel"`
	Title   string        `json:"title"`
	Rules   []string      `json:"rules,omitempty"`
	Error   string        `json:"error,omitempty"`
}

// feedsJSON is each configured feed's health; the next poll only while
// a daemon runs.
func feedsJSON(cfg *config.Config, byName map[string]article.FeedState, running bool) []feedStatus {
	out := []feedStatus{}
	for _, f := range cfg.Feeds {
		s := byName[f.Name]
		fs := feedStatus{Name: f.Name, Failures: s.Failures, LastError: secret.Redact(s.LastError)}
		if next, backingOff, ok := nextPollAt(cfg, f, s, time.Now()); ok && running {
			fs.NextPoll, fs.BackingOff = &next, backingOff
		}
		if !s.LastSuccess.IsZero() {
			t := s.LastSuccess.UTC()
			fs.LastSuccess = &t
		}
		out = append(out, fs)
	}
	return out
}

func statusJSON(ctx context.Context, e env, cfg *config.Config, st *store.Store) error {
	var r statusReport
	byName, err := feedStates(ctx, st)
	if err != nil {
		return err
	}
	r.Daemon.Running, r.Daemon.Holder = daemonRunning(ctx, cfg, st)
	if r.Processes, err = st.Processes(ctx); err != nil {
		return err
	}
	r.Feeds = feedsJSON(cfg, byName, r.Daemon.Running)
	if inForce, _, ok, _ := st.Meta(ctx, "rules_in_force"); ok && r.Daemon.Running {
		json.Unmarshal([]byte(inForce), &r.RulesInForce)
	}
	if set, err := rules.LoadDir(cfg.RulesDir); err != nil {
		r.RulesError = err.Error()
	} else {
		r.Rules = set.Refs()
	}
	if r.Silences, err = st.Silences(ctx, false); err != nil {
		return err
	}
	r.Silences = append([]article.Silence{}, r.Silences...)
	if r.Precision, err = st.Precision(ctx, time.Now()); err != nil {
		return err
	}
	if r.Deliveries, err = st.DeliveryCounts(ctx); err != nil {
		return err
	}
	for _, state := range []article.State{article.Pending, article.Sent, article.Failed, article.Held, article.Merged} {
		if _, ok := r.Deliveries[state]; !ok {
			r.Deliveries[state] = 0 // zeros counted too
		}
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
			*list.into = append(*list.into, deliveryStatus{At: d.Updated.UTC(), State: d.State, Channel: d.Channel(),
				Title: headline(d.Message), Rules: article.Summary(d.Message).Rules, Error: secret.Redact(d.LastError)})
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
