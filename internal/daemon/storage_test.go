package daemon_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/store"
)

// brokenRecords is a store whose poll records fail while broken is set.
type brokenRecords struct {
	*store.Store
	broken *atomic.Bool
}

func (b brokenRecords) Record(ctx context.Context, st article.FeedState, items []store.Item, notices ...article.Notice) error {
	if b.broken.Load() {
		return errors.New("database or disk is full (13)")
	}
	return b.Store.Record(ctx, st, items, notices...)
}

func TestAPollThatCannotBeRecordedIsAnErrorReadinessReportsUntilItIs(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL, Schedule: "@every 1s"})
	cfg.Server.Listen = "127.0.0.1:0"
	logs := &lockedBuffer{}
	h := &harness{cfg: cfg, logs: logs}
	var broken atomic.Bool
	broken.Store(true)
	h.wrap = func(s *store.Store) daemon.Store { return brokenRecords{s, &broken} }
	h = newHarnessFrom(t, h)
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	base := "http://" + h.d.Addr()
	eventually(t, "/readyz reporting polls not recorded", func() bool {
		code, body := get(t, base+"/readyz")
		return code == 503 && strings.Contains(body, "database: polls are not recorded: database or disk is full")
	})
	if !strings.Contains(logs.String(), `level=ERROR msg="poll not recorded: database error" component=daemon feed="Test wire"`) {
		t.Errorf("no ERROR in the log:\n%s", logs.String())
	}
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, `feedwatch_storage_errors_total{stage="poll"}`) || strings.Contains(m, `feedwatch_storage_errors_total{stage="poll"} 0`) {
		t.Errorf("storage errors not counted: %s", grepLines(m, "feedwatch_storage_errors_total"))
	}
	broken.Store(false)
	eventually(t, "the alert once polls are recorded again", func() bool { return len(h.slack.Accepted()) == 1 })
	eventually(t, "ready again", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
}

func TestADeletedDatabaseFileMakesTheDaemonUnready(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Server.Listen = "127.0.0.1:0"
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	readyz := "http://" + h.d.Addr() + "/readyz"
	eventually(t, "ready", func() bool { code, _ := get(t, readyz); return code == 200 })
	if err := os.Remove(cfg.Storage.Path); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, readyz); code != 503 || !strings.Contains(body, "was deleted or replaced while in use") {
		t.Errorf("/readyz = %d %q after the database file was deleted", code, body)
	}
}

func TestAnArticleIsNotDeletedWhileItMayStillAlert(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	wire := newFeedServer(t, rss(at(leaderKilled, clk.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Backfill, cfg.MaxAge = config.Duration(400*24*time.Hour), config.Duration(400*24*time.Hour)
	cfg.Storage.Retention = config.Duration(90 * 24 * time.Hour) // shorter than max_age
	h := newHarnessAt(t, cfg, clk.Now)
	h.once(t)
	clk.Add(200 * 24 * time.Hour) // past retention, within max_age; the feed still lists it
	h.open(t)                     // a restart prunes at start-up
	h.once(t)
	if n := len(h.slack.Accepted()); n != 1 {
		t.Errorf("%d posts: the article was deleted after storage.retention while it could still alert, and alerted again", n)
	}
}

// brokenReads is a real store whose reads of earlier posts fail while
// broken is set.
type brokenReads struct {
	*store.Store
	broken *atomic.Bool
}

func (b brokenReads) StoryHeads(ctx context.Context, channel string, since time.Time) ([]article.Delivery, error) {
	if b.broken.Load() {
		return nil, errors.New("disk I/O error (10)")
	}
	return b.Store.StoryHeads(ctx, channel, since)
}

// A read that fails retries that delivery; it does not pause posting nor
// flood the ops channel with pause notices.
func TestAFailedReadRetriesTheDeliveryAndNeverPauses(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Slack.OpsChannel = "#ops"
	var broken atomic.Bool
	broken.Store(true)
	h := &harness{cfg: cfg}
	h.wrap = func(s *store.Store) daemon.Store { return brokenReads{s, &broken} }
	h = newHarnessFrom(t, h)
	stop := running(t, h)
	defer stop()
	eventually(t, "a retry scheduled", func() bool {
		pending, _ := h.store.Recent(t.Context(), article.Pending, 5)
		return len(pending) == 1 && strings.Contains(pending[0].LastError, "read earlier posts")
	})
	if h.d.Metrics() == nil || testutil.ToFloat64(h.d.Metrics().DeliveryPaused) != 0 {
		t.Error("a failed read paused delivery")
	}
	broken.Store(false)
	eventually(t, "the alert once reads work", func() bool { return len(h.slack.Accepted()) == 1 })
	time.Sleep(500 * time.Millisecond)
	for _, p := range h.slack.Accepted() {
		if p.Channel == "#ops" {
			t.Errorf("an ops notice for a failed read: %s", p.Text)
		}
	}
}

// Each feed's health is a metric from start-up on: a feed that never
// worked shows last success 0 (a stale-feed alert fires for it) and its
// consecutive failures.
func TestFeedHealthMetricsFromStartUp(t *testing.T) {
	t.Parallel()
	good := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	bad := newFeedServer(t, "")
	bad.set("", 500)
	cfg := testConfig(t, config.Feed{Name: "Good", URL: good.URL}, config.Feed{Name: "Never worked", URL: bad.URL})
	h := newHarness(t, cfg)
	h.d.Once(t.Context(), time.Second)
	h.open(t) // a restart: the gauges start from what was recorded
	h.d.Once(t.Context(), 0)
	rec := httptest.NewRecorder()
	h.d.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := rec.Body.String()
	for _, want := range []string{
		`feedwatch_feed_last_success_timestamp_seconds{feed="Never worked"} 0`,
		`feedwatch_feed_consecutive_failures{feed="Never worked"} 2`,
		`feedwatch_feed_consecutive_failures{feed="Good"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(m, "feedwatch_feed_"))
		}
	}
	if strings.Contains(m, `feedwatch_feed_last_success_timestamp_seconds{feed="Good"} 0`) {
		t.Error("the good feed's last success is 0")
	}
}

// TestAFeedFailingAtStartUpIsAWarningAndReadyzNamesIt: the daemon stays
// ready (the other feeds still alert), /readyz names the failing feed,
// and the start-up poll's log line is a WARN naming it.
func TestAFeedFailingAtStartUpIsAWarningAndReadyzNamesIt(t *testing.T) {
	t.Parallel()
	good := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: good.URL}, config.Feed{Name: "Gone wire", URL: "http://127.0.0.1:1/rss"})
	cfg.Server.Listen = "127.0.0.1:0"
	logs := &lockedBuffer{}
	h := newHarnessFrom(t, &harness{cfg: cfg, logs: logs})
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	readyz := "http://" + h.d.Addr() + "/readyz"
	eventually(t, "/readyz naming the failing feed", func() bool {
		code, body := get(t, readyz)
		return code == 200 && strings.Contains(body, "ready\nnote: feed failing: Gone wire (1 in a row)")
	})
	eventually(t, "the start-up poll's warning", func() bool {
		return strings.Contains(logs.String(), `level=WARN msg="start-up poll done"`) && strings.Contains(logs.String(), "Gone wire")
	})
}
