package poll

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/story"
)

// Fetcher fetches one feed.
type Fetcher interface {
	Fetch(ctx context.Context, src feed.Source, v feed.Validators) (feed.Result, error)
}

// Store is what a poll needs of the database.
type Store interface {
	FeedState(ctx context.Context, name string) (article.FeedState, error)
	FeedStates(ctx context.Context) ([]article.FeedState, error)
	Seen(ctx context.Context, feed string, keys []article.Key) (article.Seen, error)
	Record(ctx context.Context, st article.FeedState, items []article.Item, notices ...article.Notice) error
	SaveFeedState(ctx context.Context, st article.FeedState, notices ...article.Notice) error
	// LeaseFeed takes a feed for one poll, ReleaseFeed gives it back
	// unpolled (several processes on PostgreSQL; on SQLite both are free).
	LeaseFeed(ctx context.Context, name, url string, fresh func() time.Time) (bool, error)
	ReleaseFeed(ctx context.Context, name string) error
	Leads(ctx context.Context, since time.Time, atLeast int, fn func(a *article.Article, firstSeen time.Time)) error
	ActiveSilences(ctx context.Context, now time.Time) ([]article.Silence, error)
	AnnounceEnded(ctx context.Context, now time.Time, to func(article.Silence) string) error
}

// Observer counts what polls do (metrics.Metrics is one).
type Observer interface {
	FetchDone(feed, result string, took time.Duration) // result: ok, not_modified or error
	Polled(notModified bool, newArticles int, rules []string)
	StorageFailed(stage string)
	FeedState(feed string, lastSuccess time.Time, failures int)
	Silenced(rule string) // a match recorded but held by a silence
}

// Matcher matches an article against the rules in force (rules.Set is
// one).
type Matcher interface {
	Match(a *article.Article) []article.Match
	// Read is Match and the article's story fingerprint from the same
	// reading of its words.
	Read(a *article.Article) ([]article.Match, story.Fingerprint)
	// ChannelOf is the channel a rule names ("" for the default).
	ChannelOf(id string) string
	// Query compiles a query in the rule language (a silence's).
	Query(q string) (func(*article.Article) bool, error)
}

// Setup is what one poll runs with: the configuration, the fetcher built
// from it and the slots that bound concurrent fetches (what a reload
// replaces), and what is in force when it runs: the rules, where operator
// notices go ("" for nowhere), and whether alerts may go to the channel a
// rule names (the transport can).
type Setup struct {
	Cfg        *config.Config
	Fetcher    Fetcher
	Sem        chan struct{}
	Rules      Matcher
	OpsChannel string
	PerRule    bool
	Narrow
}

// Narrow narrows a pass over the feeds, as feedwatch once --feed,
// --force and --dry-run ask.
type Narrow struct {
	Feed  string // only the feed of this name; "" for every feed
	Force bool   // poll even a feed that is backing off after failures
	// Preview, when set, makes the pass record and post nothing: each
	// feed's new or changed items, matched and routed, are handed to it
	// instead (from several goroutines at once).
	Preview func(feed string, items []article.Item)
}

// Waker is the next stage, told when a poll recorded something to
// deliver (delivery.Outbox is one).
type Waker interface {
	Wake()
}

// Deps are what a Poller works with.
type Deps struct {
	Store   Store
	Observe Observer
	Next    Waker
	Logger  *slog.Logger
	Now     func() time.Time
	Corpus  *story.Corpus // word rarity for story threading: every recorded article counts
}

// Poller polls feeds.
type Poller struct {
	store     Store
	observe   Observer
	next      Waker
	logger    *slog.Logger
	now       func() time.Time
	corpus    *story.Corpus
	exclusive *Exclusive   // one poll of a feed at a time
	storage   atomic.Value // string: the database error of the last poll that failed to record, or ""
}

// New returns a Poller.
func New(d Deps) *Poller {
	return &Poller{store: d.Store, observe: d.Observe, next: d.Next, logger: d.Logger, now: d.Now, corpus: d.Corpus,
		exclusive: NewExclusive(d.Logger, "poll", "feed")}
}

// StorageProblem is the database error of the last poll that could not
// record, or "" once one records again.
func (d *Poller) StorageProblem() string {
	s, _ := d.storage.Load().(string)
	return s
}

// LearnCorpus counts the words of the articles stored in the last week
// (at least the CorpusFloor newest), so that story threading weighs words
// by their rarity from the start, as a daemon that ran all along does.
func (d *Poller) LearnCorpus(ctx context.Context) {
	err := d.corpus.AddAll(func(add func(story.Report)) error {
		return d.store.Leads(ctx, d.now().AddDate(0, 0, -story.CorpusDays), story.CorpusFloor, func(a *article.Article, seen time.Time) {
			if key := reportKey(a); !d.corpus.Has(key) { // a poll of this process counted it already
				add(story.Report{Key: key, Recorded: seen, Title: a.Title, Lead: route.Lead(a)})
			}
		})
	})
	if err != nil {
		d.logger.Warn("story threading goes on with the word statistics learned so far", "err", err)
	}
}

// ReportHealth tells the observer each feed's health as recorded, so
// that it is right from start-up on, even for a feed that never worked.
func (d *Poller) ReportHealth(ctx context.Context, feeds []config.Feed) {
	states, err := d.store.FeedStates(ctx) // one query, however many feeds
	if err != nil {
		d.logger.Warn("feed health metrics start empty", "err", err)
		return
	}
	recorded := map[string]article.FeedState{}
	for _, st := range states {
		recorded[st.Name] = st
	}
	for _, f := range feeds {
		st := recorded[f.Name] // a feed never polled: never succeeded, no failure
		d.observe.FeedState(f.Name, st.LastSuccess, st.Failures)
	}
}

// Result says how a pass over the feeds went.
type Result struct {
	Feeds  int
	Failed map[string]error // by feed name
}

// Log logs how the pass went: at INFO when every feed was polled, at
// WARN naming those that failed or were skipped.
func (r Result) Log(ctx context.Context, logger *slog.Logger, msg string) {
	if len(r.Failed) == 0 {
		logger.Info(msg, "feeds", r.Feeds, "failed", 0)
		return
	}
	names := slices.Sorted(maps.Keys(r.Failed))
	logger.Log(ctx, slog.LevelWarn, msg, "feeds", r.Feeds, "failed", len(r.Failed), "failing", strings.Join(names, ", "))
}

// All polls every feed of s once (or the one s.Feed names), at most
// fetch.concurrency at a time. A failing feed is reported and does not
// stop the others.
func (d *Poller) All(ctx context.Context, s Setup) Result {
	res := Result{Failed: map[string]error{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	// As many workers as fetches may run at once, not a goroutine per
	// feed: 10,000 feeds waiting for a slot held 10,000 stacks.
	feeds := make(chan config.Feed)
	for range max(1, cap(s.Sem)) {
		wg.Go(func() {
			for f := range feeds {
				if err := d.Poll(ctx, s, f); err != nil {
					mu.Lock()
					res.Failed[f.Name] = err
					mu.Unlock()
				}
			}
		})
	}
	for _, f := range s.Cfg.Feeds {
		if s.Feed == "" || f.Name == s.Feed {
			res.Feeds++
			feeds <- f
		}
	}
	close(feeds)
	wg.Wait()
	return res
}
