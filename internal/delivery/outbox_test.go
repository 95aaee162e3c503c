package delivery

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/store"
)

// recorder is a transport that records what it was asked to post and
// answers from a script by headline (success when absent).
type recorder struct {
	caps    article.Capabilities
	mu      sync.Mutex
	posted  []article.Message
	answers map[string]error
}

func (r *recorder) Capabilities() article.Capabilities { return r.caps }

func (r *recorder) Post(_ context.Context, m article.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posted = append(r.posted, m)
	if a, ok := m.(article.Alert); ok && r.answers[a.Title] != nil {
		return "", r.answers[a.Title]
	}
	return "ts-" + string(rune('0'+len(r.posted))), nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = now
	t.Cleanup(func() { st.Close() })
	return st
}

func record(t *testing.T, st *store.Store, alerts ...article.Alert) {
	t.Helper()
	var items []store.Item
	for _, a := range alerts {
		items = append(items, store.Item{Article: article.Article{Feed: "Wire", Identity: a.Title, Title: a.Title}, Hash: a.Title,
			Outgoing: []store.Outgoing{{Message: a}}})
	}
	if err := st.Record(context.Background(), article.FeedState{Name: "Wire"}, items); err != nil {
		t.Fatal(err)
	}
}

func TestEachOutcomeIsRecordedAndAGiveUpTellsTheOpsChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	st := newStore(t, clk.Now)
	record(t, st,
		article.Alert{Channel: "#a", Title: "lands", Rules: []string{"R"}},
		article.Alert{Channel: "#b", Title: "channel gone", Rules: []string{"R"}},
		article.Alert{Channel: "#c", Title: "server down", Rules: []string{"R"}})
	tr := &recorder{caps: article.Capabilities{OpsChannel: true}, answers: map[string]error{
		"channel gone": fakeErr{msg: "channel_not_found", perm: true},
		"server down":  errors.New("HTTP 503"),
	}}
	var outcomes []string
	var mu sync.Mutex
	o := New(st, Settings{Transport: tr, OpsChannel: "#ops", Policy: Policy{First: time.Minute, Max: time.Hour, GiveUpAfter: 24 * time.Hour}},
		nil, func(r string) { mu.Lock(); outcomes = append(outcomes, r); mu.Unlock() }, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pending, _, err := o.Drain(ctx, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if pending != 1 {
		t.Errorf("%d pending, want the one waiting for its retry", pending)
	}
	counts, _ := st.DeliveryCounts(ctx)
	if counts[article.Sent] != 2 || counts[article.Failed] != 1 || counts[article.Pending] != 1 {
		t.Errorf("states = %v, want the alert and the ops notice sent, one failed, one pending", counts)
	}
	var notice *article.Notice
	for _, m := range tr.posted {
		if n, ok := m.(article.Notice); ok {
			notice = &n
		}
	}
	if notice == nil || notice.Channel != "#ops" || notice.Event != article.DeliveryFailed || notice.About.Title != "channel gone" {
		t.Errorf("ops notice = %+v, want one about the alert given up", notice)
	}
	if len(outcomes) != 4 {
		t.Errorf("outcomes observed = %v, want sent, failed, retry and the notice's sent", outcomes)
	}
	next, ok, _ := st.NextDue(ctx)
	if !ok || next.Before(clk.Now().Add(30*time.Second)) {
		t.Errorf("the retry is due at %s, want no earlier than half the first delay", next)
	}
}

func TestAReportOfAnEarlierStoryIsAReplyOrAMerge(t *testing.T) {
	t.Parallel()
	for _, threads := range []bool{true, false} {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
		st := newStore(t, clk.Now)
		record(t, st, article.Alert{Channel: "#a", Title: "first"}, article.Alert{Channel: "#a", Title: "second"})
		tr := &recorder{caps: article.Capabilities{Threads: threads}}
		head := func(_ context.Context, dl article.Delivery, replies bool) (*article.Delivery, error) {
			if replies != threads {
				t.Errorf("the threader was told replies=%v for a transport with threads=%v", replies, threads)
			}
			if dl.Message.(article.Alert).Title == "second" {
				return &article.Delivery{ID: 1, SlackTS: "ts-1"}, nil
			}
			return nil, nil
		}
		o := New(st, Settings{Transport: tr, Policy: Policy{First: time.Second, Max: time.Minute, GiveUpAfter: time.Hour}},
			head, nil, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, _, err := o.Drain(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if threads {
			r, ok := tr.posted[len(tr.posted)-1].(article.Reply)
			if len(tr.posted) != 2 || !ok || r.ThreadTS != "ts-1" {
				t.Errorf("with threads: posted %+v, want the second as a reply under ts-1", tr.posted)
			}
			continue
		}
		merged, _ := st.Recent(ctx, article.Merged, 10)
		if len(tr.posted) != 1 || len(merged) != 1 || merged[0].ParentID != 1 {
			t.Errorf("without threads: posted %d, merged %+v; want the second recorded as merged, not posted", len(tr.posted), merged)
		}
	}
}

func TestOnlyAPacedTransportWaitsBetweenPostsToOneChannel(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, paced := range []bool{true, false} {
		o := New(nil, Settings{Transport: &recorder{caps: article.Capabilities{Paced: paced}}}, nil, nil, clk.Now, logger)
		o.lastPost["#a"] = clk.Now()
		want := time.Duration(0)
		if paced {
			want = time.Second
		}
		if got := o.gap("#a"); got != want {
			t.Errorf("paced=%v: pause right after a post = %s, want %s", paced, got, want)
		}
		if got := o.gap("#b"); got > 0 {
			t.Errorf("paced=%v: another channel waits %s", paced, got)
		}
	}
	o := New(nil, Settings{Transport: &recorder{caps: article.Capabilities{Paced: true}}}, nil, nil, clk.Now, logger)
	o.lastPost["#a"] = clk.Now()
	clk.Add(time.Second)
	if got := o.gap("#a"); got > 0 {
		t.Errorf("a second after the last post the channel still waits %s", got)
	}
}

func TestDigestsListTheHeldMatchesNewestFirstPerChannel(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	held := []article.Delivery{
		{ID: 1, Message: article.Alert{Channel: "#a", Title: "old", Published: base.Add(-2 * time.Hour)}},
		{ID: 2, Message: article.Alert{Channel: "#a", Title: "undated"}, Created: base.Add(-time.Hour)},
		{ID: 3, Message: article.Alert{Channel: "#a", Title: "new", Published: base}},
	}
	d, ids := gather("#a", "Anbar daily", "<!here>", held)
	var titles []string
	for _, it := range d.Items {
		titles = append(titles, it.Title)
	}
	if len(titles) != 3 || titles[0] != "new" || titles[1] != "undated" || titles[2] != "old" {
		t.Errorf("digest order %v, want new, undated (matched an hour ago), old", titles)
	}
	if len(ids) != 3 || d.Rule != "Anbar daily" || d.Mentions[0] != "<!here>" || d.Channel != "#a" {
		t.Errorf("digest = %+v, ids %v", d, ids)
	}
	channels, groups := GroupByChannel([]article.Delivery{
		{Message: article.Alert{Channel: "#b"}}, {Message: article.Alert{Channel: "#a"}}, {Message: article.Alert{Channel: "#b"}},
	})
	if len(channels) != 2 || channels[0] != "#b" || len(groups["#b"]) != 2 {
		t.Errorf("grouped %v %v, want #b first with two", channels, groups)
	}
}

// failingStore is a real store whose writes of outcomes fail while broken
// is set, as on a full disk.
type failingStore struct {
	*store.Store
	broken atomic.Bool
}

var errDiskFull = errors.New("database or disk is full (13)")

func (f *failingStore) MarkSent(ctx context.Context, id int64, ts string, parent *article.Delivery) error {
	if f.broken.Load() {
		return errDiskFull
	}
	return f.Store.MarkSent(ctx, id, ts, parent)
}

func (f *failingStore) Ping(ctx context.Context) error {
	if f.broken.Load() {
		return errDiskFull
	}
	return f.Store.Ping(ctx)
}

func TestWhenAnOutcomeCannotBeRecordedNothingMoreIsPostedAndNothingTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	st := &failingStore{Store: newStore(t, clk.Now)}
	record(t, st.Store,
		article.Alert{Channel: "#a", Title: "one"}, article.Alert{Channel: "#a", Title: "two"}, article.Alert{Channel: "#b", Title: "three"})
	tr := &recorder{caps: article.Capabilities{OpsChannel: true}}
	var paused atomic.Bool
	o := New(st, Settings{Transport: tr, OpsChannel: "#ops", Policy: Policy{First: time.Second, Max: time.Minute, GiveUpAfter: time.Hour}},
		nil, func(r string) { paused.Store(r == "paused" || paused.Load() && r != "resumed") }, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	st.broken.Store(true)
	for range 3 { // the daemon would try again and again
		if _, why, err := o.Drain(ctx, clk.Now()); err != nil || !strings.Contains(why, "delivery paused") {
			t.Fatalf("Drain = %v, want it to say delivery is paused", err)
		}
	}
	if n := len(tr.posted); n == 0 || n > 2 {
		t.Fatalf("%d posts while outcomes could not be recorded; want the first post per channel and then none", n)
	}
	if o.Paused() == nil || !paused.Load() {
		t.Error("the outbox does not report itself paused")
	}
	firstPosts := len(tr.posted)

	st.broken.Store(false)
	if pending, _, err := o.Drain(ctx, clk.Now()); err != nil || pending != 0 {
		t.Fatalf("after writes work again: pending %d, %v", pending, err)
	}
	titles := map[string]int{}
	for _, m := range tr.posted {
		if a, ok := m.(article.Alert); ok {
			titles[a.Title]++
		}
	}
	if titles["one"] != 1 || titles["two"] != 1 || titles["three"] != 1 {
		t.Errorf("posts per alert %v, want each exactly once (%d were posted before the pause)", titles, firstPosts)
	}
	if o.Paused() != nil || paused.Load() {
		t.Error("still paused after writes work again")
	}
	counts, _ := st.DeliveryCounts(ctx)
	if counts[article.Sent] != 4 { // three alerts and the notice that delivery was paused
		t.Errorf("states %v, want the three alerts and the ops notice sent", counts)
	}
}

// A poll round's alerts gather for GroupWait, then go out in publication
// order, the first report of a story first, whichever feed was recorded
// first.
func TestRunLetsARoundOfAlertsGatherThenPostsThemInPublicationOrder(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	st := newStore(t, clk.Now)
	tr := &recorder{caps: article.Capabilities{Threads: true}}
	o := New(st, Settings{Transport: tr, GroupWait: 2 * time.Second, Policy: Policy{First: time.Second, Max: time.Minute, GiveUpAfter: time.Hour}},
		nil, nil, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { o.Run(ctx, stop); close(done) }()
	defer func() { cancel(); <-done }()

	record(t, st, article.Alert{Channel: "#a", Title: "later report", Published: clk.Now().Add(-10 * time.Minute)})
	o.Wake()
	record(t, st, article.Alert{Channel: "#a", Title: "first report", Published: clk.Now().Add(-40 * time.Minute)})
	o.Wake()
	time.Sleep(300 * time.Millisecond)
	tr.mu.Lock()
	early := len(tr.posted)
	tr.mu.Unlock()
	if early != 0 {
		t.Fatalf("%d posts before the round's alerts could gather", early)
	}
	clk.Add(3 * time.Second)
	o.Wake()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tr.mu.Lock()
		n := len(tr.posted)
		tr.mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.posted) != 2 || tr.posted[0].(article.Alert).Title != "first report" {
		t.Fatalf("posted %v, want both, the earlier-published first", tr.posted)
	}
}

func TestOneUnreadableRowFailsAloneWithOneNoticeAndTheRestArePosted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Now = clk.Now
	record(t, st, article.Alert{Channel: "#a", Title: "one"}, article.Alert{Channel: "#a", Title: "two"}, article.Alert{Channel: "#a", Title: "three"})
	db, err := sql.Open("sqlite", filepath.Join(dir, "fw.db")) // as a newer feedwatch would have written it
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE deliveries SET payload = '{"kind":"poll"}' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	tr := &recorder{caps: article.Capabilities{OpsChannel: true}}
	o := New(st, Settings{Transport: tr, OpsChannel: "#ops", Policy: Policy{First: time.Second, Max: time.Minute, GiveUpAfter: time.Hour}},
		nil, nil, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, _, err := o.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	var alerts, notices int
	for _, m := range tr.posted {
		switch m := m.(type) {
		case article.Alert:
			alerts++
		case article.Notice:
			notices++
			if m.Event != article.DeliveryFailed || !strings.Contains(m.Err, "cannot be read") {
				t.Errorf("notice = %+v, want the unreadable record named", m)
			}
		}
	}
	if alerts != 2 || notices != 1 {
		t.Errorf("%d alerts and %d notices posted, want the 2 readable alerts and 1 notice", alerts, notices)
	}
	failed, _ := st.Recent(ctx, article.Failed, 10)
	if len(failed) != 1 || failed[0].ID != 2 || !strings.Contains(failed[0].LastError, "newer feedwatch") {
		t.Errorf("failed = %+v, want row 2 with its reason", failed)
	}
}

// A worker holding a stale list (a delivery another worker has posted
// since, one failed for good, one gathered) posts none of them.
func TestAStaleListPostsNothingAlreadyDone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	st := newStore(t, clk.Now)
	record(t, st, article.Alert{Channel: "#a", Title: "sent"}, article.Alert{Channel: "#a", Title: "gone for good"})
	stale, err := st.Due(ctx, 10)
	if err != nil || len(stale) != 2 {
		t.Fatalf("due = %d, %v", len(stale), err)
	}
	tr := &recorder{caps: article.Capabilities{OpsChannel: true}, answers: map[string]error{"gone for good": fakeErr{msg: "channel_not_found", perm: true}}}
	o := New(st, Settings{Transport: tr, Policy: Policy{First: time.Minute, Max: time.Hour, GiveUpAfter: 24 * time.Hour}},
		nil, nil, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, _, err := o.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if len(tr.posted) != 2 {
		t.Fatalf("%d posts, want 2", len(tr.posted))
	}
	o.deliverChannel(ctx, nil, "#a", stale) // the list a second worker read before the first finished
	if len(tr.posted) != 2 {
		t.Errorf("%d posts after a worker went through a stale list, want still 2: nothing is posted twice, nothing failed is posted", len(tr.posted))
	}
	counts, _ := st.DeliveryCounts(ctx)
	if counts[article.Sent] != 1 || counts[article.Failed] != 1 {
		t.Errorf("counts = %v, want the outcomes unchanged", counts)
	}
}
