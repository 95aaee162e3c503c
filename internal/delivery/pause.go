package delivery

import (
	"context"
	"errors"
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
		o.pausedAt, o.cause = o.now(), err
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
	if err := o.store.Ping(ctx); err != nil { // the file replaced stays paused until a restart
		o.paused = err
		return false
	}
	if err := o.store.CheckWrite(ctx); err != nil { // a read proves nothing: resume once a write works
		o.paused = err
		return false
	}
	pausedFor := o.now().Sub(o.pausedAt).Round(time.Second)
	o.logger.Info("delivery resumed: outcomes can be recorded again", "paused_for", pausedFor)
	if ops := o.OpsChannel(); ops != "" {
		n := article.Notice{Channel: ops, Event: article.DeliveryResumed, Paused: article.Duration(pausedFor / time.Second), Err: article.Clip(o.cause.Error(), 300)}
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

// Verifier is a transport that can check its credentials (Slack's
// auth.test) without posting.
type Verifier interface {
	Verify(ctx context.Context) error
}

// authRetry is how often a refused token is tried again: with auth.test
// where the transport can, else by posting the oldest pending message.
const authRetry = 30 * time.Second

// refuse holds every post: the token or webhook was refused. It is
// logged at ERROR once, readiness reports it, and the outbox tries again
// every authRetry, or at once when new settings (a reload) come.
func (o *Outbox) refuse(ctx context.Context, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.refused == "" {
		o.logger.Error("Slack refused the token: nothing is posted until it is fixed (then SIGHUP, or it is retried every 30 s)", "err", reason)
		o.observe("refused")
	}
	o.refused, o.refusedAt = reason, o.now()
}

// Refused is why Slack refuses the token, or "".
func (o *Outbox) Refused() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused
}

// authorized reports whether posting may go on: no refusal, or one old
// enough to try again and, where the transport can tell, a token that
// is accepted now.
func (o *Outbox) authorized(ctx context.Context) bool {
	o.mu.Lock()
	refused, at := o.refused, o.refusedAt
	o.mu.Unlock()
	if refused == "" {
		return true
	}
	if o.now().Sub(at) < authRetry {
		return false
	}
	if v, ok := o.settings.Load().Transport.(Verifier); ok {
		if err := v.Verify(ctx); err != nil {
			o.refuse(ctx, err.Error())
			return false
		}
	}
	o.mu.Lock()
	o.refused = ""
	o.mu.Unlock()
	o.logger.Info("Slack accepts the token again: posting resumes")
	o.observe("accepted")
	return true
}

// Verify checks the transport's credentials now, as at start-up, and holds
// posting if they are refused. A transport that cannot check says nothing.
func (o *Outbox) Verify(ctx context.Context) error {
	v, ok := o.settings.Load().Transport.(Verifier)
	if !ok {
		return nil
	}
	err := v.Verify(ctx)
	var auth unauthorized
	if err != nil && errors.As(err, &auth) && auth.Unauthorized() {
		o.refuse(ctx, err.Error())
	}
	return err
}

// ReleaseClaims makes pending again the deliveries a process that died
// left claimed: run by the holder of the database lock at start-up. Such
// a post may have gone out before the crash: it is the one post a crash
// may repeat.
func (o *Outbox) ReleaseClaims(ctx context.Context) {
	n, err := o.store.ReleaseClaims(ctx)
	if err != nil {
		o.logger.Error("release the claims of an earlier process", "err", err)
		return
	}
	if n > 0 {
		o.logger.Warn("deliveries an earlier process was posting when it stopped are pending again (each may be posted twice)", "deliveries", n)
	}
}
