package daemon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
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

// maxChannelWorkers bounds how many channels are posted to at once.
const maxChannelWorkers = 16

// dispatch starts a worker for each channel that has due deliveries and no
// worker yet. Each worker posts its channel's deliveries in order, paced,
// recording every outcome before the next post; channels do not wait for
// each other, so a slow or failing channel holds back no other.
func (d *Daemon) dispatch(ctx context.Context, stop <-chan struct{}) error {
	due, err := d.store.Due(ctx, 500)
	if err != nil {
		return err
	}
	channels, byChannel := groupByChannel(due)
	d.outboxMu.Lock()
	defer d.outboxMu.Unlock()
	for _, ch := range channels {
		if d.busy[ch] || len(d.busy) >= maxChannelWorkers {
			continue
		}
		d.busy[ch] = true
		d.workers.Add(1)
		go func(list []store.Delivery) {
			defer func() {
				d.outboxMu.Lock()
				delete(d.busy, ch)
				d.outboxMu.Unlock()
				d.workers.Done()
				d.wakeOutbox() // more may have come due meanwhile
			}()
			d.deliverChannel(ctx, stop, ch, list)
		}(byChannel[ch])
	}
	return nil
}

// groupByChannel splits deliveries by channel, keeping their order, and
// lists the channels in the order they first appear.
func groupByChannel(list []store.Delivery) ([]string, map[string][]store.Delivery) {
	groups := map[string][]store.Delivery{}
	var channels []string
	for _, dl := range list {
		if _, ok := groups[dl.Channel]; !ok {
			channels = append(channels, dl.Channel)
		}
		groups[dl.Channel] = append(groups[dl.Channel], dl)
	}
	return channels, groups
}

func (d *Daemon) deliverChannel(ctx context.Context, stop <-chan struct{}, channel string, list []store.Delivery) {
	for _, dl := range list {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if err := d.waitChannel(ctx, channel); err != nil {
			return
		}
		if err := d.deliver(ctx, dl); err != nil {
			if ctx.Err() == nil {
				d.logger.Error("outbox", "channel", channel, "delivery", dl.ID, "err", err)
			}
			return
		}
	}
}

// waitChannel sleeps until the channel may take another post.
func (d *Daemon) waitChannel(ctx context.Context, channel string) error {
	d.outboxMu.Lock()
	wait := d.lastPost[channel].Add(minGap).Sub(d.now())
	d.outboxMu.Unlock()
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
			d.metrics.deliveries.WithLabelValues("merged").Inc()
			return d.store.MarkMerged(ctx, dl.ID, *head)
		}
		dl.Alert.ThreadTS = head.SlackTS
	}
	pctx, cancel := context.WithTimeout(ctx, postTimeout)
	ts, err := d.poster.Post(pctx, dl.Alert)
	cancel()
	d.outboxMu.Lock()
	d.lastPost[dl.Channel] = d.now()
	d.outboxMu.Unlock()
	// Recording the outcome must not be cut short by shutdown: a post
	// Slack accepted has to be marked sent.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		log.Info("alert delivered", "rules", dl.Alert.Rules, "title", dl.Alert.Title, "thread", dl.Alert.ThreadTS != "")
		d.metrics.deliveries.WithLabelValues("sent").Inc()
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
		return d.fail(rctx, dl, se.Reason)
	case se.RetryAfter > 0:
		log.Warn("slack rate limit", "retry_after", se.RetryAfter)
		d.metrics.rateLimitWaits.Inc()
		d.metrics.deliveries.WithLabelValues("rate_limited").Inc()
		return d.store.MarkRetry(rctx, dl.ID, d.now().Add(se.RetryAfter), se.Reason, false)
	case d.now().Sub(dl.Created) > d.cfg.Slack.GiveUpAfter.D():
		reason := fmt.Sprintf("gave up after %s: %s", d.cfg.Slack.GiveUpAfter, se.Reason)
		log.Error("delivery failed permanently", "err", reason)
		return d.fail(rctx, dl, reason)
	default:
		next := d.now().Add(retryDelay(d.retryBase, dl.Attempts))
		log.Warn("delivery failed, will retry", "attempt", dl.Attempts+1, "retry_at", next.Format(time.RFC3339), "err", se.Reason)
		d.metrics.deliveries.WithLabelValues("retry").Inc()
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

// fail gives up on a delivery and tells the ops channel, in one
// transaction. A failed notice makes no further notice.
func (d *Daemon) fail(ctx context.Context, dl store.Delivery, reason string) error {
	var notices []article.Alert
	if ops := d.opsChannel(); ops != "" && dl.Alert.Notice == "" {
		what := fmt.Sprintf("%q (%s)", dl.Alert.Title, strings.Join(dl.Alert.Rules, ", "))
		if len(dl.Alert.Digest) > 0 {
			what = fmt.Sprintf("the %s digest of %d articles", strings.Join(dl.Alert.Rules, ", "), len(dl.Alert.Digest))
		}
		notices = append(notices, article.Alert{Channel: ops, Notice: fmt.Sprintf(
			"An alert to %s could not be delivered and was given up: %s. Alert: %s.", dl.Channel, reason, what)})
	}
	if err := d.store.MarkFailed(ctx, dl.ID, reason, notices...); err != nil {
		return err
	}
	d.metrics.deliveries.WithLabelValues("failed").Inc()
	if len(notices) > 0 {
		d.wakeOutbox()
	}
	return nil
}

// runOutbox delivers until ctx ends or stop closes, waking on new
// deliveries and when the next retry is due. On stop it waits for the posts
// in flight.
func (d *Daemon) runOutbox(ctx context.Context, stop <-chan struct{}) {
	defer d.workers.Wait()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := d.dispatch(ctx, stop); err != nil && ctx.Err() == nil {
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
		if err := d.dispatch(ctx, nil); err != nil {
			return 0, err
		}
		d.workers.Wait()
		if err := ctx.Err(); err != nil {
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
