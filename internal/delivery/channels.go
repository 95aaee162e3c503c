package delivery

import (
	"context"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/article"
)

// startWorkers starts a worker for each channel of byChannel that has
// none, up to maxChannelWorkers, unless posting is paused; a channel
// leased by dispatch and not started is given back.
func (o *Outbox) startWorkers(ctx context.Context, stop <-chan struct{}, channels []string, byChannel map[string][]article.Delivery) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, ch := range channels {
		if byChannel[ch] == nil {
			continue
		}
		if o.busy[ch] { // its worker holds the lease
			continue
		}
		if len(o.busy) >= maxChannelWorkers || o.paused != nil {
			go o.letGo(ctx, ch) // leased, not posted to now: free for another process
			continue
		}
		o.busy[ch] = true
		o.workers.Add(1)
		go func(list []article.Delivery) {
			defer func() {
				o.letGo(ctx, ch)
				o.mu.Lock()
				delete(o.busy, ch)
				o.mu.Unlock()
				o.workers.Done()
				o.Wake() // more may have come due meanwhile
			}()
			o.deliverChannel(ctx, stop, ch, list)
		}(byChannel[ch])
	}
}

// holdChannel leases channel ch to this process for posting (several
// processes on PostgreSQL: one posts to a channel at a time), and keeps
// the pace from the last post to it, whoever made it.
func (o *Outbox) holdChannel(ctx context.Context, ch string) bool {
	ok, last, err := o.store.LeaseChannel(ctx, ch)
	if err != nil {
		o.logger.Warn("channel not posted to for now: its lease could not be taken", "channel", ch, "err", err)
		return false
	}
	if ok {
		o.mu.Lock()
		if last.After(o.lastPost[ch]) {
			o.lastPost[ch] = last
		}
		o.mu.Unlock()
	}
	return ok
}

// letGo gives channel ch's lease back.
func (o *Outbox) letGo(ctx context.Context, ch string) {
	if err := o.store.ReleaseChannel(context.WithoutCancel(ctx), ch); err != nil {
		o.logger.Debug("channel lease not given back: it ends by itself", "channel", ch, "err", err)
	}
}

func (o *Outbox) deliverChannel(ctx context.Context, stop <-chan struct{}, channel string, list []article.Delivery) {
	for _, dl := range list {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if err := o.waitChannel(ctx, channel); err != nil {
			return
		}
		if !o.holdChannel(ctx, channel) { // the lease renewed, or lost to another process
			return
		}
		if o.Paused() != nil || o.Refused() != "" {
			return
		}
		if err := o.deliver(ctx, dl); err != nil {
			if ctx.Err() == nil {
				o.pause(fmt.Errorf("delivery %d to %s: %w", dl.ID, channel, err))
			}
			return
		}
	}
}
