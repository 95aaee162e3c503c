package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Fail safe: when the outcome of a post cannot be recorded (the disk is
// full, the database read-only), posting more would risk posting again
// what Slack already accepted. So the outbox pauses: it posts nothing
// until writes work again, remembering in memory what Slack accepted and
// recording it first when they do. A crash while paused can repeat those
// posts once, nothing else.

// sent is a post Slack accepted whose outcome is not recorded yet.
type sent struct {
	ts     string
	parent *article.Delivery
}

// pause stops posting because recording failed.
func (o *Outbox) pause(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.paused == nil {
		o.pausedAt = o.now()
		o.logger.Error("delivery paused: an outcome cannot be recorded; nothing is posted until it can", "err", err)
	}
	o.paused = err
	o.observePause(true)
}

// Paused is why delivery is paused, or nil.
func (o *Outbox) Paused() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paused
}

// resume records what Slack accepted while paused, and resumes when it
// all is. It reports whether delivery may go on.
func (o *Outbox) resume(ctx context.Context) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.paused == nil {
		return true
	}
	for id, s := range o.unrecorded {
		if err := o.store.MarkSent(ctx, id, s.ts, s.parent); err != nil {
			o.paused = err
			return false
		}
		delete(o.unrecorded, id)
	}
	if err := o.store.Ping(ctx); err != nil {
		o.paused = err
		return false
	}
	o.logger.Info("delivery resumed: outcomes can be recorded again", "paused_for", o.now().Sub(o.pausedAt).Round(time.Second))
	if ops := o.OpsChannel(); ops != "" {
		n := article.Notice{Channel: ops, Text: fmt.Sprintf("Delivery was paused for %s because outcomes could not be recorded (%v); nothing was lost and it has resumed.",
			o.now().Sub(o.pausedAt).Round(time.Second), o.paused)}
		if err := o.store.Enqueue(ctx, n); err != nil {
			o.paused = err
			return false
		}
	}
	o.paused = nil
	o.observePause(false)
	return true
}

// pauseRetry is how often a paused outbox tries to record again.
const pauseRetry = 5 * time.Second
