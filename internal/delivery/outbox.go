// Package delivery is the outbox: it posts what the store holds pending,
// one worker per channel so that a slow or failing channel holds back no
// other, paced where the transport needs it, and records every outcome
// before the next post. Whether a failed post is retried is one pure
// decision (Decide); digests are gathered here from their held matches.
package delivery

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Transport posts one message and returns the service's id for it (a
// Slack ts; "" where there is none). Its errors may say they are
// permanent (Permanent() bool) or ask for a wait (RetryAfter()).
type Transport interface {
	Post(ctx context.Context, m article.Message) (string, error)
	Capabilities() article.Capabilities
}

// Store is what the outbox needs of the database.
type Store interface {
	Due(ctx context.Context, limit int) ([]article.Delivery, error)
	NextDue(ctx context.Context) (time.Time, bool, error)
	Claim(ctx context.Context, id int64) (bool, error)
	ReleaseClaims(ctx context.Context) (int64, error)
	// LeaseChannel takes (or keeps) a channel for this process's posts and
	// says when it was last posted to; ReleaseChannel gives it back. One
	// process posts to a channel at a time (several on PostgreSQL).
	LeaseChannel(ctx context.Context, channel string) (bool, time.Time, error)
	ReleaseChannel(ctx context.Context, channel string) error
	ForgetHead(ctx context.Context, id int64) error
	MarkSent(ctx context.Context, id int64, ts string, parent *article.Delivery) error
	MarkMerged(ctx context.Context, id, parent int64) error
	// SilenceStory holds delivery id when a silence mutes head's story
	// (merged under it, its matches marked); it returns the silence or 0.
	SilenceStory(ctx context.Context, id, head int64) (int64, error)
	MarkRetry(ctx context.Context, id int64, next time.Time, reason string, counted bool) error
	MarkFailed(ctx context.Context, id int64, reason string, notices ...article.Notice) error
	Enqueue(ctx context.Context, notices ...article.Notice) error
	Ping(ctx context.Context) error
	CheckWrite(ctx context.Context) error
	HeldFor(ctx context.Context, rule string) ([]article.Delivery, error)
	HeldRules(ctx context.Context) ([]string, error)
	Gather(ctx context.Context, d article.Digest, gathered []int64) error
	DeliveryCounts(ctx context.Context) (map[article.State]int, error)
}

// Threader finds the earlier post a delivery's story started with, or nil.
type Threader func(ctx context.Context, dl article.Delivery, replies bool) (*article.Delivery, error)

// Observer counts outcomes, one per delivery: sent, retry, rate_limited,
// failed, merged (into an earlier post, a digest or a flood summary);
// and events: "flood", "paused"/"resumed" when recording fails and works
// again, "refused"/"accepted" for the token.
type Observer func(result string)

// Settings are what a configuration reload may change.
type Settings struct {
	Transport  Transport
	Policy     Policy
	OpsChannel string        // "" when operators get no notices
	Gap        time.Duration // between two posts to one channel of a paced transport; 0 means 1 s (Slack's pace)
	FloodAt    int           // alerts waiting for one channel beyond which the rest are summarised; 0 means DefaultFloodAt
	GroupWait  time.Duration // how long Run leaves a channel's newly recorded alerts to gather (dispatch); 0: none
}

// Outbox delivers.
type Outbox struct {
	store    Store
	thread   Threader
	observe  Observer
	now      func() time.Time
	logger   *slog.Logger
	settings atomic.Pointer[Settings]
	wake     chan struct{}

	mu         sync.Mutex
	lastPost   map[string]time.Time // per channel, for pacing
	busy       map[string]bool      // channels with a worker
	workers    sync.WaitGroup
	paused     error                      // why posting is paused (pause.go), or nil
	pausedAt   time.Time                  // since when
	cause      error                      // what paused it first
	unrecorded map[int64]sent             // accepted by Slack, not yet recorded
	refused    string                     // why Slack refuses the token (pause.go), or ""
	refusedAt  time.Time                  // when it last did
	lastRetry  string                     // the reason of the last post that will be retried
	holdUntil  map[string]time.Time       // per channel: Slack asked to wait (429 Retry-After) until then
	noticed    map[string]map[string]bool // per channel, the causes the ops channel was told of; cleared by a post that gets through
}

// New returns an outbox; thread and observe may be nil, now nil means
// time.Now.
func New(st Store, s Settings, thread Threader, observe Observer, now func() time.Time, logger *slog.Logger) *Outbox {
	if now == nil {
		now = time.Now
	}
	if thread == nil {
		thread = func(context.Context, article.Delivery, bool) (*article.Delivery, error) { return nil, nil }
	}
	if observe == nil {
		observe = func(string) {}
	}
	if s.Policy.Jitter == nil {
		s.Policy.Jitter = jitter
	}
	o := &Outbox{store: st, thread: thread, observe: observe, now: now, logger: logger.With("component", "outbox"),
		wake: make(chan struct{}, 1), lastPost: map[string]time.Time{}, busy: map[string]bool{}, unrecorded: map[int64]sent{},
		holdUntil: map[string]time.Time{}, noticed: map[string]map[string]bool{}}
	o.settings.Store(&s)
	return o
}

// Apply switches to new settings; posts in flight finish on the old ones.
func (o *Outbox) Apply(s Settings) {
	if s.Policy.Jitter == nil {
		s.Policy.Jitter = jitter
	}
	o.settings.Store(&s)
	o.mu.Lock()
	if o.refused != "" {
		o.refusedAt = time.Time{} // new credentials: try them at once
	}
	o.mu.Unlock()
	o.Wake()
}

// Capabilities are those of the transport in force.
func (o *Outbox) Capabilities() article.Capabilities {
	return o.settings.Load().Transport.Capabilities()
}

// OpsChannel is where operator notices go ("" for nowhere).
func (o *Outbox) OpsChannel() string { return o.settings.Load().OpsChannel }

func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

// Wake tells the outbox there is new work.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// maxChannelWorkers bounds how many channels are posted to at once.
const maxChannelWorkers = 16

// dispatch starts a worker for each channel that has due deliveries and no
// worker yet.
// With wait (Settings.GroupWait, under Run) a channel whose oldest waiting
// alert is younger than that is left for now, and the time it is due is
// returned: so that the reports every feed of one poll round recorded go
// out together, in publication order (Alertmanager's group_wait).
func (o *Outbox) dispatch(ctx context.Context, stop <-chan struct{}, wait time.Duration) (time.Time, error) {
	var settled time.Time
	if !o.resume(ctx) {
		return settled, nil // paused: posting waits until outcomes can be recorded
	}
	if !o.authorized(ctx) {
		return settled, nil // the token is refused: posting waits until it is fixed
	}
	due, err := o.store.Due(ctx, 500)
	if err != nil {
		return settled, err
	}
	channels, byChannel := GroupByChannel(due)
	for _, ch := range channels {
		inStoryOrder(byChannel[ch])
		if at := oldestAlert(byChannel[ch]).Add(wait); wait > 0 && at.After(o.now()) {
			settled = earliest(settled, at)
			delete(byChannel, ch)
			continue
		}
		if o.busyChannel(ch) {
			delete(byChannel, ch)
			continue
		}
		if !o.holdChannel(ctx, ch) { // another process posts to it: look again in a second, not at once
			settled = earliest(settled, o.now().Add(minGap))
			delete(byChannel, ch)
			continue
		}
		if gathered, err := o.collapse(ctx, ch, byChannel[ch]); err != nil {
			return settled, err
		} else if gathered {
			defer o.Wake() // the channel's list changed: take it again
			delete(byChannel, ch)
		}
	}
	o.startWorkers(ctx, stop, channels, byChannel)
	return settled, nil
}

// earliest is the earlier of a (zero: none yet) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// oldestAlert is when the oldest alert of list was recorded (zero when it
// holds none).
func oldestAlert(list []article.Delivery) time.Time {
	var oldest time.Time
	for _, dl := range list {
		if _, ok := dl.Message.(article.Alert); ok && (oldest.IsZero() || dl.Created.Before(oldest)) {
			oldest = dl.Created
		}
	}
	return oldest
}

func (o *Outbox) busyChannel(ch string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.busy[ch]
}

// inStoryOrder orders a channel's waiting deliveries as the news happened:
// by publication time (an undated alert, a notice or a digest by when it
// was recorded), then as recorded. So the first report of a story is the
// one posted first and the later ones reply under it, whatever order the
// feeds of one poll were recorded in.
func inStoryOrder(list []article.Delivery) {
	slices.SortStableFunc(list, func(a, b article.Delivery) int { return storyTime(a).Compare(storyTime(b)) })
}

// storyTime is when a delivery's news happened: an alert's publication
// time, else when it was recorded.
func storyTime(dl article.Delivery) time.Time {
	if a, ok := dl.Message.(article.Alert); ok && !a.Published.IsZero() {
		return a.Published
	}
	return dl.Created
}

// GroupByChannel splits deliveries by channel, keeping their order, and
// lists the channels in the order they first appear.
func GroupByChannel(list []article.Delivery) ([]string, map[string][]article.Delivery) {
	groups := map[string][]article.Delivery{}
	var channels []string
	for _, dl := range list {
		ch := dl.Channel()
		if _, ok := groups[ch]; !ok {
			channels = append(channels, ch)
		}
		groups[ch] = append(groups[ch], dl)
	}
	return channels, groups
}

// minGap is the least time between two posts to one channel of a paced
// transport (Slack allows about one message per second per channel).
const minGap = time.Second

// waitChannel sleeps until the channel may take another post.
func (o *Outbox) waitChannel(ctx context.Context, channel string) error {
	return sleep(ctx, nil, o.gap(channel))
}

// gap is how long the channel must wait before its next post: a paced
// transport leaves minGap after the last post, others never wait.
func (o *Outbox) gap(channel string) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.Capabilities().Paced {
		return max(o.holdUntil[channel].Sub(o.now()), 0) // Slack asked every post to this channel to wait
	}
	gap := o.settings.Load().Gap
	if gap <= 0 {
		gap = minGap
	}
	next := o.lastPost[channel].Add(gap)
	if hold := o.holdUntil[channel]; hold.After(next) {
		next = hold
	}
	return next.Sub(o.now())
}

// sleep waits d, or until ctx ends or stop closes (then it returns an error).
func sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return context.Canceled
	case <-t.C:
		return nil
	}
}

// observeMerged counts n alerts merged into a digest or a summary, one
// each, as status counts them.
func (o *Outbox) observeMerged(n int) {
	for range n {
		o.observe("merged")
	}
}

func (o *Outbox) observePause(paused bool) {
	if paused {
		o.observe("paused")
	} else {
		o.observe("resumed")
	}
}
