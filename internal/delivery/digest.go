package delivery

import (
	"context"
	"sort"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// FlushDigest queues one digest per channel of the matches held for a
// rule, newest first, and releases them. name and mention are the rule's
// as they are now.
func (o *Outbox) FlushDigest(ctx context.Context, ruleID, name, mention string) error {
	held, err := o.store.HeldFor(ctx, ruleID)
	if err != nil || len(held) == 0 {
		return err
	}
	channels, byChannel := GroupByChannel(held)
	for _, ch := range channels {
		digest, ids := gather(ch, name, mention, byChannel[ch])
		if err := o.store.Gather(ctx, digest, ids); err != nil {
			return err
		}
		o.logger.Info("digest queued", "rule", ruleID, "channel", ch, "articles", len(ids))
	}
	o.Wake()
	return nil
}

// gather makes the digest of held deliveries: newest first by publication
// time, else by when they matched.
func gather(channel, rule, mention string, held []article.Delivery) (article.Digest, []int64) {
	when := func(d article.Delivery) time.Time {
		if a, ok := d.Message.(article.Alert); ok && !a.Published.IsZero() {
			return a.Published
		}
		return d.Created
	}
	sort.SliceStable(held, func(i, j int) bool { return when(held[i]).After(when(held[j])) })
	digest := article.Digest{Channel: channel, Rule: rule}
	if mention != "" {
		digest.Mentions = []string{mention}
	}
	ids := make([]int64, 0, len(held))
	for _, h := range held {
		ids = append(ids, h.ID)
		if a, ok := h.Message.(article.Alert); ok {
			digest.Items = append(digest.Items, article.DigestItem{Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published})
		}
	}
	return digest, ids
}
