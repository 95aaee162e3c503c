package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/store"
)

// poll is the whole pipeline for one feed:
// fetch → parse → new? → match → record → deliver.
func (d *Daemon) poll(ctx context.Context, f config.Feed) error {
	st, err := d.store.FeedState(ctx, f.Name)
	if err != nil {
		return err
	}
	if d.now().Before(st.NextDue) {
		return nil // backing off after failures
	}
	start := time.Now()
	res, err := d.fetcher.Fetch(ctx, source(f), validators(st, f))
	d.metrics.fetchDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		d.metrics.fetches.WithLabelValues("error").Inc()
		return d.recordFailure(ctx, f, st, err)
	}
	items, err := d.newItems(ctx, st, res.Articles) // new or changed, with their matches
	if err != nil {
		return err
	}
	if err := d.store.Record(ctx, d.succeeded(f, st, res), items, d.recoveredNotice(f, st)...); err != nil {
		return err
	}
	d.countPoll(res, items)
	d.wakeOutbox()
	d.logger.Debug("polled feed", "feed", f.Name, "items", len(res.Articles), "new", len(items), "not_modified", res.NotModified)
	return nil
}

func (d *Daemon) countPoll(res feed.Result, items []store.Item) {
	result := "ok"
	if res.NotModified {
		result = "not_modified"
	}
	d.metrics.fetches.WithLabelValues(result).Inc()
	d.metrics.lastPoll.SetToCurrentTime()
	d.metrics.newArticles.Add(float64(len(items)))
	for _, it := range items {
		for _, m := range it.Matches {
			d.metrics.matches.WithLabelValues(m.RuleID).Inc()
		}
	}
}

func source(f config.Feed) feed.Source {
	return feed.Source{Name: f.Name, URL: f.URL, Tags: f.Tags}
}

// validators are sent only if they were stored for the same URL.
func validators(st store.FeedState, f config.Feed) feed.Validators {
	if st.URL != f.URL {
		return feed.Validators{}
	}
	return feed.Validators{ETag: st.ETag, LastModified: st.LastModified}
}

func (d *Daemon) succeeded(f config.Feed, st store.FeedState, res feed.Result) store.FeedState {
	now := d.now()
	st.URL = f.URL
	st.ETag, st.LastModified = res.Validators.ETag, res.Validators.LastModified
	st.LastAttempt, st.LastSuccess = now, now
	st.LastError, st.Failures, st.NextDue = "", 0, time.Time{}
	return st
}

// recordFailure remembers what went wrong and when to try again: the
// feed's interval doubled per consecutive failure, at most ×16 and 6 h,
// and never before a Retry-After.
func (d *Daemon) recordFailure(ctx context.Context, f config.Feed, st store.FeedState, cause error) error {
	now := d.now()
	st.URL = f.URL
	st.LastAttempt = now
	st.LastError = cause.Error()
	st.Failures++
	interval := d.interval(f)
	backoff := interval << min(st.Failures-1, 4)
	backoff = min(backoff, 6*time.Hour)
	if st.Failures == 1 {
		backoff = 0 // the next regular poll retries
	}
	var he *feed.HTTPError
	if errors.As(cause, &he) && he.RetryAfter > backoff {
		backoff = min(he.RetryAfter, 24*time.Hour)
	}
	st.NextDue = now.Add(backoff)
	d.logger.Warn("feed failed", "feed", f.Name, "failures", st.Failures, "retry_at", st.NextDue.Format(time.RFC3339), "err", cause)
	var notices []article.Alert
	if ops := d.opsChannel(); ops != "" && st.Failures == failingAfter {
		notices = append(notices, article.Alert{Channel: ops, Feed: f.Name, Notice: fmt.Sprintf(
			"Feed %q is failing: %d consecutive failures. Last error: %s. Next try after %s.",
			f.Name, st.Failures, cause, st.NextDue.UTC().Format("2006-01-02 15:04 UTC"))})
	}
	if err := d.store.SaveFeedState(ctx, st, notices...); err != nil {
		return errors.Join(cause, err)
	}
	if len(notices) > 0 {
		d.wakeOutbox()
	}
	return cause
}

// failingAfter is how many consecutive failures make a feed "failing":
// the ops channel is told once then, and once when it recovers.
const failingAfter = 3

func (d *Daemon) recoveredNotice(f config.Feed, before store.FeedState) []article.Alert {
	ops := d.opsChannel()
	if ops == "" || before.Failures < failingAfter {
		return nil
	}
	return []article.Alert{{Channel: ops, Feed: f.Name, Notice: fmt.Sprintf(
		"Feed %q recovered after %d consecutive failures.", f.Name, before.Failures)}}
}

// opsChannel is where operator notices go: slack.ops_channel in bot-token
// and console modes. A webhook has only the analysts' channel, so there
// notices are only logged.
func (d *Daemon) opsChannel() string {
	if d.cfg.Slack.WebhookURL != "" {
		return ""
	}
	return d.cfg.Slack.OpsChannel
}

// interval is the time between two runs of the feed's schedule.
func (d *Daemon) interval(f config.Feed) time.Duration {
	spec := f.Schedule
	if spec == "" {
		spec = d.cfg.Schedule
	}
	s, err := cronspec.Parse(spec)
	if err != nil {
		return 5 * time.Minute
	}
	first := s.Next(d.now())
	return s.Next(first).Sub(first)
}

// newItems keeps the articles that are new, or whose text changed, and
// matches those allowed to alert. On a feed's first successful fetch only
// items published within backfill may alert; items older than max_age never
// do. Everything returned is recorded, so it is not new next time.
func (d *Daemon) newItems(ctx context.Context, st store.FeedState, arts []article.Article) ([]store.Item, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	ids := make([]string, len(arts))
	for i := range arts {
		ids[i] = arts[i].Identity
	}
	seen, err := d.store.Seen(ctx, arts[0].Feed, ids)
	if err != nil {
		return nil, err
	}
	now := d.now()
	firstFetch := st.LastSuccess.IsZero()
	set := d.Rules()
	var items []store.Item
	for _, a := range arts {
		h := contentHash(&a)
		before, known := seen[a.Identity]
		if known && before.Hash == h {
			continue
		}
		it := store.Item{Article: a, Hash: h}
		if d.mayAlert(a, firstFetch, now) {
			for _, m := range set.Match(&a) {
				if !before.Rules[m.RuleID] { // an edited item alerts only for rules it had not matched
					it.Matches = append(it.Matches, m)
				}
			}
			it.Alerts = d.alerts(&a, it.Matches)
		}
		items = append(items, it)
	}
	return items, nil
}

func (d *Daemon) mayAlert(a article.Article, firstFetch bool, now time.Time) bool {
	if a.Published.IsZero() {
		return !firstFetch
	}
	age := now.Sub(a.Published)
	if age > d.cfg.MaxAge.D() {
		return false
	}
	return !firstFetch || age <= d.cfg.Backfill.D()
}

// lead is the start of an article's text: what tells its story apart.
func lead(a *article.Article) string {
	s := a.Summary
	if s == "" {
		s = a.Content
	}
	if r := []rune(s); len(r) > 400 {
		s = string(r[:400])
	}
	return s
}

func contentHash(a *article.Article) string {
	h := sha256.New()
	for _, s := range []string{a.Title, a.Summary, a.Content} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// alerts groups matches by channel: one message per article per channel,
// naming every rule that sent it there, with the snippet that has the most
// hits. A match of a digest rule is held apart, one alert per rule, until
// that rule's digest is posted.
func (d *Daemon) alerts(a *article.Article, matches []article.Match) []article.Alert {
	byChannel := map[string]*article.Alert{}
	best := map[string]int{}
	var order []string
	var held []article.Alert
	for _, m := range matches {
		ch := d.channelFor(m)
		if m.Digest {
			al := d.newAlert(a, ch)
			al.DigestRule, al.Rules, al.Snippet = m.RuleID, []string{m.RuleName}, m.Explain.Snippet
			held = append(held, *al)
			continue
		}
		al, ok := byChannel[ch]
		if !ok {
			al = d.newAlert(a, ch)
			byChannel[ch] = al
			order = append(order, ch)
			best[ch] = -1
		}
		al.Rules = append(al.Rules, m.RuleName)
		if m.Mention != "" && !slices.Contains(al.Mentions, m.Mention) {
			al.Mentions = append(al.Mentions, m.Mention)
		}
		if n := len(m.Explain.Snippet.Hits); n > best[ch] {
			best[ch] = n
			al.Snippet = m.Explain.Snippet
		}
	}
	sort.Strings(order)
	out := make([]article.Alert, 0, len(order)+len(held))
	for _, ch := range order {
		out = append(out, *byChannel[ch])
	}
	return append(out, held...)
}

func (d *Daemon) newAlert(a *article.Article, channel string) *article.Alert {
	return &article.Alert{Channel: channel, Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published, Lead: lead(a)}
}

// channelFor is where a match is posted. A webhook posts to one fixed
// channel whatever the rule says, so every match shares it.
func (d *Daemon) channelFor(m article.Match) string {
	if m.Channel != "" && d.cfg.Slack.WebhookURL == "" {
		return m.Channel
	}
	return d.cfg.Slack.Channel
}
