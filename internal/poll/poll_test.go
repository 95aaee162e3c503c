package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
)

type fetchFunc func(ctx context.Context) (feed.Result, error)

func (f fetchFunc) Fetch(ctx context.Context, _ feed.Source, _ feed.Validators) (feed.Result, error) {
	return f(ctx)
}

func newPoller(t *testing.T) (*Poller, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Deps{Store: st, Observe: metrics.New(func(context.Context) (int, error) { return 0, nil }), Next: noWake{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, Corpus: story.NewCorpus()}), st
}

type noWake struct{}

func (noWake) Wake() {}

// setup is a poll's setup with no rules.
func setup(cfg *config.Config, f Fetcher) Setup {
	return Setup{Cfg: cfg, Sem: make(chan struct{}, 1), Fetcher: f, Rules: &rules.Set{}, PerRule: true}
}

func TestAFetchCutShortByShutdownIsNotAFeedFailure(t *testing.T) {
	p, st := newPoller(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := config.Default()
	f := config.Feed{Name: "Wire", URL: "https://wire.example/rss"}
	// The poll's context is not cancelled here, only the fetch failed with
	// context.Canceled: that is a failure of the feed's fetch.
	p.Poll(context.Background(), setup(&cfg, fetchFunc(func(context.Context) (feed.Result, error) {
		return feed.Result{}, ctx.Err()
	})), f)
	fs, _ := st.FeedState(context.Background(), "Wire")
	if fs.Failures != 1 {
		t.Fatalf("a fetch error while running: %d failures recorded, want 1", fs.Failures)
	}
	err := p.Poll(ctx, setup(&cfg, fetchFunc(func(ctx context.Context) (feed.Result, error) {
		return feed.Result{}, ctx.Err()
	})), f)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the cancellation", err)
	}
	if fs, _ := st.FeedState(context.Background(), "Wire"); fs.Failures != 1 {
		t.Errorf("stopping counted as a failure of the feed: %d failures", fs.Failures)
	}
}

func TestAFeedBackingOffIsSkippedAndSaysUntilWhen(t *testing.T) {
	p, st := newPoller(t)
	until := time.Now().Add(time.Hour)
	if err := st.SaveFeedState(context.Background(), article.FeedState{Name: "Wire", Failures: 2, NextDue: until}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	fetched := false
	err := p.Poll(context.Background(), setup(&cfg, fetchFunc(func(context.Context) (feed.Result, error) {
		fetched = true
		return feed.Result{}, nil
	})), config.Feed{Name: "Wire", URL: "https://wire.example/rss"})
	var b *BackingOff
	if !errors.As(err, &b) || b.Failures != 2 || fetched {
		t.Errorf("err %v, fetched %v: want it skipped, backing off after 2 failures", err, fetched)
	}
}

// TestWordStatisticsCountEveryRecordedReportOnce: polls before the
// statistics are first needed count nothing themselves (learning reads
// what they recorded from the database); polls after it count as they
// record. Either way each report counts once.
func TestWordStatisticsCountEveryRecordedReportOnce(t *testing.T) {
	p, _ := newPoller(t)
	p.corpus.LearnOnUse(func() { p.LearnCorpus(context.Background()) })
	cfg := config.Default()
	now := time.Now()
	items := func(from, n int) fetchFunc {
		return func(context.Context) (feed.Result, error) {
			var arts []article.Article
			for i := from; i < from+n; i++ {
				arts = append(arts, article.Article{Feed: "Wire", Identity: fmt.Sprintf("story-%d", i), Link: fmt.Sprintf("https://wire.example/%d", i),
					Title: fmt.Sprintf("Coalition troops raid hideout %d near Ramadi", i), Summary: "Troops detained suspects after a raid.", Published: now})
			}
			return feed.Result{Articles: arts}, nil
		}
	}
	f := config.Feed{Name: "Wire", URL: "https://wire.example/rss"}
	if err := p.Poll(context.Background(), Setup{Cfg: &cfg, Sem: make(chan struct{}, 1), Fetcher: items(0, 5), Rules: &rules.Set{}, Narrow: Narrow{Force: true}}, f); err != nil {
		t.Fatal(err)
	}
	if p.corpus.Counting() || p.corpus.Docs() != 0 {
		t.Fatalf("before the statistics are needed: counting %v, %d reports", p.corpus.Counting(), p.corpus.Docs())
	}
	p.corpus.Learn()
	if got := p.corpus.Docs(); got != 5 {
		t.Fatalf("learning counted %d reports, want the 5 recorded", got)
	}
	if err := p.Poll(context.Background(), Setup{Cfg: &cfg, Sem: make(chan struct{}, 1), Fetcher: items(3, 5), Rules: &rules.Set{}, Narrow: Narrow{Force: true}}, f); err != nil {
		t.Fatal(err)
	}
	if got := p.corpus.Docs(); got != 8 {
		t.Errorf("after a poll of 3 new reports (and 2 known): %d reports counted, want 8", got)
	}
}
