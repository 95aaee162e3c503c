package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// postTimeout bounds one post.
const postTimeout = 30 * time.Second

// deliver posts one delivery and records the outcome: sent with its ts,
// merged into an earlier post of its story, retried later, or failed for
// good.
func (o *Outbox) deliver(ctx context.Context, dl article.Delivery) error {
	s := o.settings.Load()
	caps := s.Transport.Capabilities()
	log := o.logger.With(about(dl)...)
	if ok, err := o.store.Claim(ctx, dl.ID); err != nil {
		return err
	} else if !ok {
		log.Debug("not posted: posted, gathered or rescheduled since it was listed")
		return nil
	}
	if u, ok := dl.Message.(article.Unreadable); ok {
		log.Error("delivery failed permanently", "err", u.Err)
		return o.record(o.giveUp(context.WithoutCancel(ctx), dl, u.Err+"; was the database written by a newer feedwatch?"))
	}
	head, err := o.thread(ctx, dl, caps.Threads)
	if err != nil { // a read failed: try this one again later, nothing is lost
		log.Warn("story threading could not read the earlier posts; retrying", "err", err)
		return o.record(o.store.MarkRetry(context.WithoutCancel(ctx), dl.ID, o.now().Add(s.Policy.First), "read earlier posts: "+err.Error(), false))
	}
	if head != nil {
		if sid, err := o.store.SilenceStory(ctx, dl.ID, head.ID); err != nil || sid != 0 {
			if err == nil {
				log.Info("same story as a muted post: recorded, not posted", "first", head.ID, "silence", sid)
				o.observe("merged")
			}
			return o.record(err)
		}
	}
	if head != nil && !caps.Threads { // a webhook cannot reply in a thread
		log.Info("same story as an earlier post: recorded, not posted", "first", head.ID)
		o.observe("merged")
		return o.record(o.store.MarkMerged(ctx, dl.ID, head.ID))
	}
	ts, head, msg, err := o.postStory(ctx, s.Transport, dl, head, log)
	// Recording the outcome must not be cut short by shutdown: a post
	// Slack accepted has to be marked sent.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		log.Info("delivered", "kind", kind(msg), "thread", head != nil)
		o.observe("sent")
		o.gotThrough(dl.Channel())
		if err := o.record(o.store.MarkSent(rctx, dl.ID, ts, head)); err != nil {
			o.mu.Lock()
			o.unrecorded[dl.ID] = sent{ts: ts, parent: head}
			o.mu.Unlock()
			return fmt.Errorf("record that Slack accepted it: %w", err)
		}
		return nil
	}
	if ctx.Err() != nil { // shutting down: pending again, posted after restart
		_ = o.record(o.store.MarkRetry(rctx, dl.ID, o.now(), "interrupted by shutdown", false))
		return ctx.Err()
	}
	return o.record(o.failed(rctx, dl, Decide(err, dl.Attempts, o.now().Sub(dl.Created), s.Policy)))
}

// postStory posts dl: as a reply under head when there is one, else as a
// post of its own — also when Slack says head's post is gone (deleted):
// then head heads no thread any more. It returns the ts, the head replied
// under (nil if none) and the message posted.
func (o *Outbox) postStory(ctx context.Context, t Transport, dl article.Delivery, head *article.Delivery, log *slog.Logger) (string, *article.Delivery, article.Message, error) {
	msg := dl.Message
	if head != nil {
		parent, _ := head.Message.(article.Alert)
		msg = article.Reply{Alert: msg.(article.Alert), ThreadTS: head.SlackTS, Parent: parent.Title}
	}
	ts, err := o.post(ctx, t, msg)
	if gone(err) && head != nil {
		log.Warn("the post this report continues is gone from Slack: posting it as a new story", "first", head.ID, "err", err)
		if err := o.store.ForgetHead(context.WithoutCancel(ctx), head.ID); err != nil {
			return "", nil, msg, err
		}
		head, msg = nil, dl.Message
		ts, err = o.post(ctx, t, msg)
	}
	o.mu.Lock()
	o.lastPost[dl.Channel()] = o.now()
	o.mu.Unlock()
	return ts, head, msg, err
}

// post posts one message within postTimeout.
func (o *Outbox) post(ctx context.Context, t Transport, m article.Message) (string, error) {
	pctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	return t.Post(pctx, m)
}

// gone reports an error saying a reply's parent post no longer exists.
func gone(err error) bool {
	var g interface{ ThreadGone() bool }
	return errors.As(err, &g) && g.ThreadGone()
}

// record passes on the error of recording an outcome, except that the
// claim was lost (article.ErrChanged: another process took the delivery
// over after ClaimLease): that is logged, and is not a reason to pause.
func (o *Outbox) record(err error) error {
	if errors.Is(err, article.ErrChanged) {
		o.logger.Error("an outcome was not recorded: the delivery's claim was lost", "err", err)
		return nil
	}
	return err
}

// failed records what Decide said about a failed post.
func (o *Outbox) failed(ctx context.Context, dl article.Delivery, dec Decision) error {
	log := o.logger.With(about(dl)...)
	switch dec.Action {
	case Hold:
		o.refuse(ctx, dec.Reason)
		return o.store.MarkRetry(ctx, dl.ID, o.now(), dec.Reason, false) // held, not failed: pending again
	case GiveUp:
		log.Error("delivery failed permanently", "err", dec.Reason)
		return o.giveUp(ctx, dl, dec.Reason)
	case Wait:
		log.Warn("rate limited", "retry_after", dec.Delay)
		o.observe("rate_limited")
		o.noteRetry(dec.Reason)
		o.mu.Lock()
		o.holdUntil[dl.Channel()] = o.now().Add(dec.Delay) // every post to the channel waits, not only this one
		o.mu.Unlock()
		return o.store.MarkRetry(ctx, dl.ID, o.now().Add(dec.Delay), dec.Reason, false)
	default:
		next := o.now().Add(dec.Delay)
		log.Warn("delivery failed, will retry", "attempt", dl.Attempts+1, "retry_at", next.Format(time.RFC3339), "err", dec.Reason)
		o.observe("retry")
		o.noteRetry(dec.Reason)
		return o.store.MarkRetry(ctx, dl.ID, next, dec.Reason, true)
	}
}

// gotThrough notes a post accepted in channel: its failures will be told
// to the ops channel again.
func (o *Outbox) gotThrough(channel string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.noticed, channel)
}

func (o *Outbox) noteRetry(reason string) {
	o.mu.Lock()
	o.lastRetry = reason
	o.mu.Unlock()
}

// giveUp marks a delivery failed and tells the ops channel, in one
// transaction. A failed notice makes no further notice.
func (o *Outbox) giveUp(ctx context.Context, dl article.Delivery, reason string) error {
	var notices []article.Notice
	o.mu.Lock()
	told := o.noticed[dl.Channel()][reason]
	o.mu.Unlock()
	if _, isNotice := dl.Message.(article.Notice); !isNotice && !told {
		if ops := o.OpsChannel(); ops != "" {
			notices = append(notices, article.Notice{Channel: ops, Event: article.DeliveryFailed, Err: reason, About: article.Summary(dl.Message)})
		}
	}
	if err := o.store.MarkFailed(ctx, dl.ID, reason, notices...); err != nil {
		return err
	}
	if len(notices) > 0 { // one notice per cause and channel, until a post gets through there
		o.mu.Lock()
		if o.noticed[dl.Channel()] == nil {
			o.noticed[dl.Channel()] = map[string]bool{}
		}
		o.noticed[dl.Channel()][reason] = true
		o.mu.Unlock()
	}
	o.observe("failed")
	if len(notices) > 0 {
		o.Wake()
	}
	return nil
}

// about are the log attributes of a delivery: its channel and id, and for
// an alert its rules, feed and headline, so that a log line says which
// alert went (or did not).
func about(dl article.Delivery) []any {
	attrs := []any{"channel", dl.Channel(), "delivery", dl.ID}
	if a, ok := dl.Message.(article.Alert); ok {
		attrs = append(attrs, "rule", strings.Join(a.Rules, ", "), "feed", a.Feed, "title", article.Clip(a.Title, 120))
	}
	return attrs
}

func kind(m article.Message) string {
	switch m.(type) {
	case article.Reply:
		return "reply"
	case article.Alert:
		return "alert"
	case article.Digest:
		return "digest"
	}
	return "notice"
}

// Run delivers until ctx ends or stop closes, waking on new deliveries and
// when the next retry is due. On stop it waits for the posts in flight.
func (o *Outbox) Run(ctx context.Context, stop <-chan struct{}) {
	defer o.workers.Wait()
	for {
		settled, err := o.dispatch(ctx, stop, o.settings.Load().GroupWait)
		if err != nil && ctx.Err() == nil {
			o.logger.Error("list due deliveries", "err", err)
		}
		wait := time.Minute
		if next, ok, err := o.store.NextDue(ctx); err == nil && ok {
			if !settled.IsZero() && settled.After(next) {
				next = settled // due now, but gathering its round
			}
			wait = min(max(next.Sub(o.now()), 50*time.Millisecond), time.Minute)
		}
		wake := o.wake
		if o.Paused() != nil {
			wait, wake = pauseRetry, nil // paused: try again on the timer only, not on every wake
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-stop:
		case <-wake:
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil || closed(stop) {
			return
		}
	}
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Drain delivers until nothing is pending or until is reached, whatever
// is still pending then. It returns how many deliveries are still pending
// and, when some are, why: the token refused, delivery paused, the last
// error a post met (Slack unreachable or answering errors), or retries due
// after until. A refused token ends it at once: nothing will be posted
// before the token is fixed.
func (o *Outbox) Drain(ctx context.Context, until time.Time) (pending int, why string, err error) {
	for {
		if _, err := o.dispatch(ctx, nil, 0); err != nil { // once polled every feed first: nothing more is coming
			return 0, "", err
		}
		o.workers.Wait()
		if err := ctx.Err(); err != nil {
			return 0, "", err
		}
		if err := o.Paused(); err != nil {
			return o.held(ctx, fmt.Sprintf("delivery paused: %v", err))
		}
		if r := o.Refused(); r != "" {
			return o.held(ctx, "Slack refused the token ("+r+"): fix slack.token")
		}
		next, ok, err := o.store.NextDue(ctx)
		if err != nil || !ok {
			return 0, "", err
		}
		now := o.now()
		if next.After(until) || now.After(until) {
			return o.held(ctx, "")
		}
		if err := sleep(ctx, nil, max(min(next.Sub(now), until.Sub(now)), 10*time.Millisecond)); err != nil {
			return 0, "", err
		}
	}
}

// held counts what is pending and says why: reason, else the last error a
// post met, else that retries are due later.
func (o *Outbox) held(ctx context.Context, reason string) (int, string, error) {
	counts, err := o.store.DeliveryCounts(ctx)
	if err != nil {
		return 0, "", err
	}
	n := counts[article.Pending]
	if n == 0 {
		return 0, "", nil
	}
	if reason == "" {
		o.mu.Lock()
		last := o.lastRetry
		o.mu.Unlock()
		reason = "retries are due later"
		if last != "" {
			reason = "still retrying (last error: " + last + ")"
		}
	}
	return n, reason, nil
}
