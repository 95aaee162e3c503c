// Package poll is the pipeline for one feed: fetch → parse → new? → match
// → route → record, and the feed's health (backoff, failing and recovered
// notices). The daemon calls it on each feed's schedule; the outbox
// delivers what it records.
package poll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/novelty"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
)

// poll is the whole pipeline for one feed:
// fetch → parse → new? → match → record → deliver.
func (d *Poller) poll(ctx context.Context, s Setup, f config.Feed) error {
	st, err := d.store.FeedState(ctx, f.Name)
	if err != nil {
		return d.storageFailed(f, err)
	}
	if d.now().Before(st.NextDue) {
		return &BackingOff{Until: st.NextDue, Failures: st.Failures}
	}
	start := time.Now()
	res, err := s.Fetcher.Fetch(ctx, feed.Source{Name: f.Name, URL: f.URL, Tags: f.Tags}, feed.ValidatorsFor(st, f.URL))
	d.metrics.FetchDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		d.metrics.Fetches.WithLabelValues("error").Inc()
		d.metrics.Fetched(f.Name, "error")
		return d.recordFailure(ctx, s.Cfg, f, st, err)
	}
	items, err := d.newItems(ctx, s.Cfg, st, res.Articles)
	if err != nil {
		return d.storageFailed(f, err)
	}
	if err := d.store.Record(ctx, feed.Succeeded(st, f.URL, res.Validators, d.now()), items, d.recovered(f, st)...); err != nil {
		return d.storageFailed(f, err)
	}
	d.storage.Store("")
	d.learn(items)
	d.countPoll(res.NotModified, items)
	if res.NotModified {
		d.metrics.Fetched(f.Name, "not_modified")
	} else {
		d.metrics.Fetched(f.Name, "ok")
	}
	d.wake()
	d.logger.Debug("polled feed", "feed", f.Name, "items", len(res.Articles), "new", len(items), "not_modified", res.NotModified)
	return nil
}

// Poll polls f once a fetch slot is free, unless a poll of f still
// runs (a start-up poll and a scheduled one never overlap: the later one
// is skipped).
func (d *Poller) Poll(ctx context.Context, s Setup, f config.Feed) error {
	_, err := d.exclusive.Run(f.Name, func() error {
		select {
		case s.Sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.Sem }()
		return d.poll(ctx, s, f)
	})
	return err
}

// Setup is what a configuration reload replaces: the configuration, the
// fetcher built from it, and the slots that bound concurrent fetches.
type Setup struct {
	Cfg     *config.Config
	Fetcher Fetcher
	Sem     chan struct{}
}

// recordFailure remembers what went wrong and when to try again.
func (d *Poller) recordFailure(ctx context.Context, cfg *config.Config, f config.Feed, st article.FeedState, cause error) error {
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the fetch was cut short, not the feed's fault
	}
	now := d.now()
	st = feed.Failed(st, f.URL, cause, cronspec.Interval(cfg.FeedSchedule(f), now), now)
	next := "the next scheduled poll"
	if st.NextDue.After(now) {
		next = st.NextDue.Format(time.RFC3339)
	}
	d.logger.Warn("feed failed", "feed", f.Name, "failures", st.Failures, "retry", next, "err", diag.Clip(cause.Error(), 500))
	var notices []article.Notice
	if ops := d.opsChannel(); ops != "" && st.Failures == failingAfter {
		notices = append(notices, article.Notice{Channel: ops, Event: article.FeedFailing, Feed: f.Name,
			Failures: st.Failures, Err: diag.Clip(cause.Error(), 500), NextTry: st.NextDue})
	}
	if err := d.store.SaveFeedState(ctx, st, notices...); err != nil {
		return errors.Join(cause, d.storageFailed(f, err))
	}
	if len(notices) > 0 {
		d.wake()
	}
	return cause
}

// failingAfter is how many consecutive failures make a feed "failing":
// the ops channel is told once then, and once when it recovers.
const failingAfter = 3

func (d *Poller) recovered(f config.Feed, before article.FeedState) []article.Notice {
	if before.Failures > 0 {
		d.logger.Info("feed recovered", "feed", f.Name, "after_failures", before.Failures)
	}
	ops := d.opsChannel()
	if ops == "" || before.Failures < failingAfter {
		return nil
	}
	return []article.Notice{{Channel: ops, Event: article.FeedRecovered, Feed: f.Name, Failures: before.Failures}}
}

// newItems keeps the articles that are new or changed (novelty.Judge) and
// matches those allowed to alert. Everything returned is recorded, so it
// is not new next time.
func (d *Poller) newItems(ctx context.Context, cfg *config.Config, st article.FeedState, arts []article.Article) ([]store.Item, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	seen, err := d.store.Seen(ctx, arts[0].Feed, novelty.Keys(arts))
	if err != nil {
		return nil, err
	}
	policy := novelty.Policy{MaxAge: cfg.MaxAge.D(), Backfill: cfg.Backfill.D()}
	set, to := d.rules(), route.Table{Fallback: cfg.Slack.Channel, PerRule: d.perRule()}
	var items []store.Item
	for _, v := range novelty.Judge(arts, seen, st.LastSuccess.IsZero(), d.now(), policy) {
		if err := ctx.Err(); err != nil {
			return nil, err // shutting down: matching one article takes milliseconds, a feed may take seconds
		}
		it := store.Item{Article: v.Article, Hash: v.Hash}
		if v.MayAlert {
			for _, m := range set.Match(&v.Article) {
				if !v.Matched[m.RuleID] { // an edited item alerts only for rules it had not matched
					it.Matches = append(it.Matches, m)
				}
			}
			it.Outgoing = outgoing(&it.Article, it.Matches, to)
			for _, o := range it.Outgoing {
				if o.HoldFor != "" {
					d.logger.Info("match held for its rule's digest", "feed", v.Article.Feed, "rule", o.HoldFor)
				}
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// learn counts the words of the articles just recorded in the word
// statistics of story threading (only once recorded: a poll that fails
// to record is polled again and must not count them twice).
func (d *Poller) learn(items []store.Item) {
	now := d.now()
	for i := range items {
		a := &items[i].Article
		d.corpus.Add(reportKey(a), now, story.Of(a.Title, route.Lead(a), ""))
	}
}

// reportKey identifies an article in the word statistics.
func reportKey(a *article.Article) string { return a.Feed + "\x00" + a.Identity }

func (d *Poller) countPoll(notModified bool, items []store.Item) {
	var rules []string
	for _, it := range items {
		for _, m := range it.Matches {
			rules = append(rules, m.RuleID)
		}
	}
	d.metrics.Polled(notModified, len(items), rules)
}

// storageFailed makes a database error during a poll loud: logged at
// ERROR, counted, and shown by /readyz until a poll records again. Nothing
// of the poll was recorded, so the next poll does it again.
func (d *Poller) storageFailed(f config.Feed, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	d.logger.Error("poll not recorded: database error", "feed", f.Name, "err", err)
	d.metrics.StorageErrors.WithLabelValues("poll").Inc()
	d.storage.Store(err.Error())
	return fmt.Errorf("database: %w", err)
}

// outgoing is what to record for an article's matches: its messages, each
// alert with its story fingerprint, computed once here.
func outgoing(a *article.Article, matches []article.Match, t route.Table) []store.Outgoing {
	var out []store.Outgoing
	for _, o := range route.Alerts(a, matches, t) {
		og := store.Outgoing{Message: o.Alert, HoldFor: o.HoldFor}
		if o.HoldFor == "" {
			og.Story = story.OfAlert(o.Alert).Encode()
		}
		out = append(out, og)
	}
	return out
}

// BackingOff is the outcome of a poll skipped because the feed failed
// lately and waits before it is tried again.
type BackingOff struct {
	Until    time.Time
	Failures int
}

func (b *BackingOff) Error() string {
	return fmt.Sprintf("skipped: backing off after %d failures until %s", b.Failures, b.Until.UTC().Format(time.RFC3339))
}
