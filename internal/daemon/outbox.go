package daemon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/slack"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
)

// minGap is the least time between two posts to one channel (Slack allows
// about one message per second per channel).
const minGap = time.Second

// postTimeout bounds one post.
const postTimeout = 30 * time.Second

func (d *Daemon) wakeOutbox() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// deliverDue posts every delivery that is due now and returns how many it
// handled. Every outcome is recorded before the next post.
func (d *Daemon) deliverDue(ctx context.Context, stop <-chan struct{}) (int, error) {
	handled := 0
	for {
		due, err := d.store.Due(ctx, 50)
		if err != nil || len(due) == 0 {
			return handled, err
		}
		for _, dl := range due {
			select {
			case <-stop:
				return handled, nil
			default:
			}
			if err := d.waitChannel(ctx, dl.Channel); err != nil {
				return handled, err
			}
			if err := d.deliver(ctx, dl); err != nil {
				return handled, err
			}
			handled++
		}
	}
}

// waitChannel sleeps until the channel may take another post.
func (d *Daemon) waitChannel(ctx context.Context, channel string) error {
	wait := d.lastPost[channel].Add(minGap).Sub(d.now())
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// deliver posts one delivery and records the outcome: sent with its ts,
// retried later (rate limit, network, 5xx), or failed for good.
func (d *Daemon) deliver(ctx context.Context, dl store.Delivery) error {
	log := d.logger.With("channel", dl.Channel, "delivery", dl.ID)
	head, err := d.storyHead(ctx, dl)
	if err != nil {
		return err
	}
	if head != nil {
		if d.cfg.Slack.WebhookURL != "" { // a webhook cannot reply in a thread
			log.Info("same story as an earlier post: recorded, not posted", "title", dl.Alert.Title, "first", head.ID)
			return d.store.MarkMerged(ctx, dl.ID, *head)
		}
		dl.Alert.ThreadTS = head.SlackTS
	}
	pctx, cancel := context.WithTimeout(ctx, postTimeout)
	ts, err := d.poster.Post(pctx, dl.Alert)
	cancel()
	d.lastPost[dl.Channel] = d.now()
	// Recording the outcome must not be cut short by shutdown: a post
	// Slack accepted has to be marked sent.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		log.Info("alert delivered", "rules", dl.Alert.Rules, "title", dl.Alert.Title, "thread", dl.Alert.ThreadTS != "")
		return d.store.MarkSent(rctx, dl.ID, ts, head)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: stays pending, resumes after restart
	}
	var se *slack.Error
	if !errors.As(err, &se) {
		se = &slack.Error{Reason: err.Error()}
	}
	switch {
	case se.Permanent:
		log.Error("delivery failed permanently", "err", se.Reason)
		return d.store.MarkFailed(rctx, dl.ID, se.Reason)
	case se.RetryAfter > 0:
		log.Warn("slack rate limit", "retry_after", se.RetryAfter)
		return d.store.MarkRetry(rctx, dl.ID, d.now().Add(se.RetryAfter), se.Reason, false)
	case d.now().Sub(dl.Created) > d.cfg.Slack.GiveUpAfter.D():
		reason := fmt.Sprintf("gave up after %s: %s", d.cfg.Slack.GiveUpAfter, se.Reason)
		log.Error("delivery failed permanently", "err", reason)
		return d.store.MarkFailed(rctx, dl.ID, reason)
	default:
		next := d.now().Add(retryDelay(d.retryBase, dl.Attempts))
		log.Warn("delivery failed, will retry", "attempt", dl.Attempts+1, "retry_at", next.Format(time.RFC3339), "err", se.Reason)
		return d.store.MarkRetry(rctx, dl.ID, next, se.Reason, true)
	}
}

// storyWindow is how far back a report looks for the first post of its story.
const storyWindow = 48 * time.Hour

// storyHead returns the post that started dl's story in its channel within
// storyWindow, or nil: same canonical link, or clearly the same event.
func (d *Daemon) storyHead(ctx context.Context, dl store.Delivery) (*store.Delivery, error) {
	a := dl.Alert
	if a.Notice != "" || len(a.Digest) > 0 {
		return nil, nil
	}
	heads, err := d.store.StoryHeads(ctx, dl.Channel, d.now().Add(-storyWindow))
	if err != nil {
		return nil, err
	}
	webhook := d.cfg.Slack.WebhookURL != "" // merges need no ts; replies do
	fp := story.Of(a.Title, a.Lead, feed.CanonicalLink(a.Link))
	for i, h := range heads {
		if h.ID != dl.ID && (h.SlackTS != "" || webhook) && story.Same(fp, story.Of(h.Alert.Title, h.Alert.Lead, feed.CanonicalLink(h.Alert.Link))) {
			return &heads[i], nil
		}
	}
	return nil, nil
}

// retryDelay is exponential backoff from first up to 15 min, with jitter.
func retryDelay(first time.Duration, attempts int) time.Duration {
	base := first << min(attempts, 8)
	base = min(base, 15*time.Minute)
	return base/2 + rand.N(base/2+1)
}

// runOutbox delivers until ctx ends, waking on new deliveries and when the
// next retry is due.
func (d *Daemon) runOutbox(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if _, err := d.deliverDue(ctx, stop); err != nil && ctx.Err() == nil {
			d.logger.Error("outbox", "err", err)
		}
		wait := time.Minute
		if next, ok, err := d.store.NextDue(ctx); err == nil && ok {
			wait = min(max(next.Sub(d.now()), 50*time.Millisecond), time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-stop:
			t.Stop()
			return
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// drain delivers until nothing is pending or until is reached; it returns
// how many deliveries are still pending.
func (d *Daemon) drain(ctx context.Context, until time.Time) (int, error) {
	for {
		if _, err := d.deliverDue(ctx, nil); err != nil {
			return 0, err
		}
		next, ok, err := d.store.NextDue(ctx)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, nil
		}
		if next.After(until) {
			counts, err := d.store.DeliveryCounts(ctx)
			return counts[store.Pending], err
		}
		t := time.NewTimer(max(next.Sub(d.now()), 10*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		case <-t.C:
		}
	}
}
