// Package poll is the pipeline stage for one feed: fetch → judge (new or
// changed?) → match → route → record, and the feed's health (backoff,
// failing and recovered notices). It is handed what is in force for each
// poll (Setup) and tells the next stage when it recorded something; the
// daemon runs it on each feed's schedule.
package poll

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/novelty"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/story"
)

// poll is the whole stage for one feed.
func (d *Poller) poll(ctx context.Context, s Setup, f config.Feed) (err error) {
	if leased, err := d.lease(ctx, s, f); !leased {
		return err
	}
	defer func() {
		if err != nil { // nothing recorded: the feed is free for the next poll at once
			_ = d.store.ReleaseFeed(context.WithoutCancel(ctx), f.Name)
		}
	}()
	st, err := d.store.FeedState(ctx, f.Name)
	if err != nil {
		return d.storageFailed(f, err)
	}
	if !s.Force && d.now().Before(st.NextDue) {
		return &BackingOff{Until: st.NextDue, Failures: st.Failures}
	}
	start := time.Now()
	res, err := s.Fetcher.Fetch(ctx, feed.Source{Name: f.Name, URL: f.URL, Tags: f.Tags, Zone: f.Zone(), Request: requestOf(f)}, feed.ValidatorsFor(st, f.URL))
	took := time.Since(start) // fetched and parsed
	if err != nil {
		d.observe.FetchDone(f.Name, "error", took)
		return d.recordFailure(ctx, s, f, st, err)
	}
	verdicts, err := d.judge(ctx, s.Cfg, st, res.Articles)
	if err != nil {
		return d.storageFailed(f, err)
	}
	items, fps, err := match(ctx, verdicts, s.Rules, d.corpus.Counting())
	if err != nil {
		return err // shutting down
	}
	if err := d.silence(ctx, s, f, items); err != nil {
		return d.storageFailed(f, err)
	}
	d.route(items, route.Table{Fallback: s.Cfg.Slack.Channel, PerRule: s.PerRule})
	if err := d.store.AnnounceEnded(ctx, d.now(), s.silenceNoticeTo); err != nil {
		return d.storageFailed(f, err)
	}
	if s.Preview != nil {
		s.Preview(f.Name, items) // a dry run: nothing recorded, nothing posted
		return nil
	}
	done := feed.Succeeded(st, f.URL, res.Validators, d.now())
	if err := d.store.Record(ctx, done, items, d.recovered(s, f, st)...); err != nil {
		return d.storageFailed(f, err)
	}
	d.observe.FeedState(f.Name, done.LastSuccess, done.Failures)
	d.storage.Store("")
	d.learn(items, fps)
	result := "ok"
	if res.NotModified {
		result = "not_modified"
	}
	d.observe.FetchDone(f.Name, result, took)
	d.countPoll(res.NotModified, items)
	d.next.Wake()
	d.logger.Debug("polled feed", "feed", f.Name, "items", len(res.Articles), "new", len(items), "not_modified", res.NotModified)
	return nil
}

// lease takes feed f for this poll (PostgreSQL: several processes share
// the feeds; store/lease.go). A feed another process polls now, or polled
// since the time this poll was due (config.FeedDue: the same in every
// process), is left to it: no error.
func (d *Poller) lease(ctx context.Context, s Setup, f config.Feed) (bool, error) {
	if s.Preview != nil {
		return true, nil // a dry run records nothing: it takes nothing from the processes that do
	}
	fresh := func() time.Time { // asked only where feeds are shared: it parses the schedule
		now := d.now()
		if s.Force {
			return now.Add(time.Second)
		}
		return s.Cfg.FeedDue(f, now)
	}
	ok, err := d.store.LeaseFeed(ctx, f.Name, f.URL, fresh)
	if err != nil {
		return false, d.storageFailed(f, err)
	}
	if !ok {
		d.logger.Debug("feed left to another process: it polls it now or did for this due time", "feed", f.Name)
	}
	return ok, nil
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

// recordFailure remembers what went wrong and when to try again.
func (d *Poller) recordFailure(ctx context.Context, s Setup, f config.Feed, st article.FeedState, cause error) error {
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the fetch was cut short, not the feed's fault
	}
	now := d.now()
	st = feed.Failed(st, f.URL, cause, s.Cfg.FeedInterval(f, now), now)
	next := "the next scheduled poll"
	if st.NextDue.After(now) {
		next = st.NextDue.Format(time.RFC3339)
	}
	d.logger.Warn("feed failed", "feed", f.Name, "failures", st.Failures, "retry", next, "err", article.Clip(cause.Error(), 500))
	var notices []article.Notice
	if s.OpsChannel != "" && st.Failures == failingAfter {
		notices = append(notices, article.Notice{Channel: s.OpsChannel, Event: article.FeedFailing, Feed: f.Name,
			Failures: st.Failures, Err: article.Clip(cause.Error(), 500), NextTry: st.NextDue})
	}
	if err := d.store.SaveFeedState(ctx, st, notices...); err != nil {
		return errors.Join(cause, d.storageFailed(f, err))
	}
	d.observe.FeedState(f.Name, st.LastSuccess, st.Failures)
	if len(notices) > 0 {
		d.next.Wake()
	}
	return cause
}

// failingAfter is how many consecutive failures make a feed "failing":
// the ops channel is told once then, and once when it recovers.
const failingAfter = 3

func (d *Poller) recovered(s Setup, f config.Feed, before article.FeedState) []article.Notice {
	if before.Failures > 0 {
		d.logger.Info("feed recovered", "feed", f.Name, "after_failures", before.Failures)
	}
	if s.OpsChannel == "" || before.Failures < failingAfter {
		return nil
	}
	return []article.Notice{{Channel: s.OpsChannel, Event: article.FeedRecovered, Feed: f.Name, Failures: before.Failures}}
}

// judge keeps the articles that are new or changed, and says which may
// alert (novelty.Judge). Everything it keeps is recorded, so it is not
// new next time.
func (d *Poller) judge(ctx context.Context, cfg *config.Config, st article.FeedState, arts []article.Article) ([]novelty.Verdict, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	keys := novelty.Keys(arts) // each article's hash and canonical link, worked out once
	seen, err := d.store.Seen(ctx, arts[0].Feed, keys)
	if err != nil {
		return nil, err
	}
	policy := novelty.Policy{MaxAge: cfg.MaxAge.D(), Backfill: cfg.Backfill.D()}
	verdicts := novelty.Judge(arts, keys, seen, st.LastSuccess.IsZero(), d.now(), policy)
	d.logTooOld(verdicts, cfg.MaxAge)
	return verdicts, nil
}

// logTooOld says, once per poll of a feed, how many new items were
// recorded without alerting because they are older than max_age: an
// operator whose feed dates everything wrong (or whose publisher's zone
// is not set) can see why it is silent.
func (d *Poller) logTooOld(verdicts []novelty.Verdict, maxAge config.Duration) {
	var n int
	var oldest time.Time
	for _, v := range verdicts {
		if p := v.Article.Published; !p.IsZero() && d.now().Sub(p) > maxAge.D() {
			if n++; oldest.IsZero() || p.Before(oldest) {
				oldest = p
			}
		}
	}
	if n > 0 {
		d.logger.Info("items older than max_age recorded without alerting", "feed", verdicts[0].Article.Feed,
			"items", n, "oldest", oldest.UTC().Format(time.RFC3339), "max_age", maxAge)
	}
}

// match matches each article that may alert against the rules; an edited
// one only for the rules it had not matched.
//
// Each article that may alert is split into words once, for matching and,
// when the word statistics count (learning), for its story fingerprint
// (fps[i]; nil for an article not matched, which learn fingerprints
// itself).
func match(ctx context.Context, verdicts []novelty.Verdict, rules Matcher, learning bool) ([]article.Item, []*story.Fingerprint, error) {
	items := make([]article.Item, 0, len(verdicts))
	fps := make([]*story.Fingerprint, 0, len(verdicts))
	for _, v := range verdicts {
		if err := ctx.Err(); err != nil {
			return nil, nil, err // shutting down: matching one article takes milliseconds, a feed may take seconds
		}
		it := article.Item{Article: v.Article, Hash: v.Hash}
		var fp *story.Fingerprint
		if v.MayAlert {
			var ms []article.Match
			if learning {
				var read story.Fingerprint
				ms, read = rules.Read(&v.Article)
				fp = &read
			} else {
				ms = rules.Match(&v.Article)
			}
			for _, m := range ms {
				if !v.Matched[m.RuleID] {
					it.Matches = append(it.Matches, m)
				}
			}
		}
		items, fps = append(items, it), append(fps, fp)
	}
	return items, fps, nil
}

// route turns each item's matches into the messages to record: one alert
// per channel, each with its story fingerprint (computed once, here), or
// a match held for its rule's digest.
func (d *Poller) route(items []article.Item, t route.Table) {
	for i := range items {
		it := &items[i]
		for _, o := range route.Alerts(&it.Article, it.Matches, t) {
			og := article.Outgoing{Message: o.Alert, HoldFor: o.HoldFor}
			if o.HoldFor == "" {
				og.Story = story.OfAlert(o.Alert).Encode()
			} else {
				d.logger.Info("match held for its rule's digest", "feed", it.Article.Feed, "rule", o.HoldFor)
			}
			it.Outgoing = append(it.Outgoing, og)
		}
	}
}

// learn counts the words of the articles just recorded in the word
// statistics of story threading (only once recorded: a poll that fails
// to record is polled again and must not count them twice). Before the
// statistics are first needed it counts nothing: learning them will read
// these articles from the database with the others (story.Corpus).
func (d *Poller) learn(items []article.Item, fps []*story.Fingerprint) {
	if !d.corpus.Counting() {
		return
	}
	now := d.now()
	for i := range items {
		a := &items[i].Article
		if fps[i] == nil {
			fp := story.Of(a.Title, route.Lead(a), "")
			fps[i] = &fp
		}
		d.corpus.Add(reportKey(a), now, *fps[i])
	}
}

// reportKey identifies an article in the word statistics.
func reportKey(a *article.Article) string { return a.Feed + "\x00" + a.Identity }

func (d *Poller) countPoll(notModified bool, items []article.Item) {
	var rules []string
	for _, it := range items {
		for _, m := range it.Matches {
			rules = append(rules, m.RuleID)
		}
	}
	d.observe.Polled(notModified, len(items), rules)
}

// storageFailed makes a database error during a poll loud: logged at
// ERROR, counted, and shown by /readyz until a poll records again. Nothing
// of the poll was recorded, so the next poll does it again.
func (d *Poller) storageFailed(f config.Feed, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, article.ErrLeaseLost) { // not the database's fault: this process was too slow
		d.logger.Warn("poll not recorded", "feed", f.Name, "err", err)
		return err
	}
	d.logger.Error("poll not recorded: database error", "feed", f.Name, "err", err)
	d.observe.StorageFailed("poll")
	d.storage.Store(err.Error())
	return fmt.Errorf("database: %w", err)
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

// requestOf is what a feed's config adds to its requests.
func requestOf(f config.Feed) feed.Request {
	r := feed.Request{UserAgent: f.UserAgent}
	if len(f.Headers) > 0 {
		r.Header = http.Header{}
		for name, v := range f.Headers {
			r.Header.Set(name, v.Reveal())
		}
	}
	if f.BasicAuth != nil {
		r.Username, r.Password = f.BasicAuth.Username, f.BasicAuth.Password.Reveal()
	}
	return r
}

// silence marks the matches a silence in force holds: recorded with it,
// never routed; and queues, once, the notice of a silence that ended.
func (d *Poller) silence(ctx context.Context, s Setup, f config.Feed, items []article.Item) error {
	if !slices.ContainsFunc(items, func(it article.Item) bool { return len(it.Matches) > 0 }) {
		return nil // nothing to hold: no query (most polls)
	}
	silences, err := d.store.ActiveSilences(ctx, d.now())
	if err != nil {
		return err
	}
	queries := d.silenceQueries(s, silences)
	for i := range items {
		for j, m := range items[i].Matches {
			for _, sl := range silences {
				if sl.Covers(f.Name, m) && (sl.Query == "" || queries[sl.ID](&items[i].Article)) {
					items[i].Matches[j].Silenced = sl.ID
					d.observe.Silenced(m.RuleID)
					break
				}
			}
		}
	}
	return nil
}

// silenceQueries compiles the silences' queries; one that no longer
// compiles (the lists it names changed) holds nothing, and says so.
func (d *Poller) silenceQueries(s Setup, silences []article.Silence) map[int64]func(*article.Article) bool {
	out := map[int64]func(*article.Article) bool{}
	for _, sl := range silences {
		if sl.Query == "" {
			continue
		}
		test, err := s.Rules.Query(sl.Query)
		if err != nil {
			d.logger.Warn("a silence's query no longer reads: it holds nothing", "silence", sl.ID, "err", err)
			test = func(*article.Article) bool { return false }
		}
		out[sl.ID] = test
	}
	return out
}

// silenceNoticeTo is where the end of a silence is told
// (slack.silence_notices): the ops channel (else slack.channel); or where
// the alerts it held go — the story's channel, the rule's (when the
// transport posts per rule), else slack.channel.
func (s Setup) silenceNoticeTo(sl article.Silence) string {
	switch {
	case s.Cfg.Slack.SilenceNotices != "channel":
		return cmp.Or(s.OpsChannel, s.Cfg.Slack.Channel)
	case sl.Story != 0 && sl.Channel != "":
		return sl.Channel
	case sl.Rule != "" && s.PerRule:
		return cmp.Or(s.Rules.ChannelOf(sl.Rule), s.Cfg.Slack.Channel)
	}
	return s.Cfg.Slack.Channel
}
