package delivery

import (
	"context"
	"sort"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Rules says what a rule's digest is now: its name and mention, and its
// schedule ("" when the rule collects none: no such rule, disabled, or no
// digest:). rules.Set.Digest is one.
type Rules func(id string) (name, mention, spec string)

// FlushRule queues the digest of the matches held for rule id, with its
// name and mention as they are now; a failure is logged.
func (o *Outbox) FlushRule(ctx context.Context, id string, rules Rules) {
	name, mention, _ := rules(id)
	if name == "" {
		name = id
	}
	if err := o.FlushDigest(ctx, id, name, mention); err != nil {
		o.logger.Error("digest", "rule", id, "err", err)
	}
}

// ReleaseStranded posts at once, as a digest, the matches held for a rule
// that no longer collects a digest (its digest: removed, the rule disabled
// or deleted): nothing waits for a digest that will never come.
func (o *Outbox) ReleaseStranded(ctx context.Context, rules Rules) {
	held, err := o.store.HeldRules(ctx)
	if err != nil {
		o.logger.Error("release held matches", "err", err)
		return
	}
	for _, id := range held {
		if _, _, spec := rules(id); spec != "" {
			continue
		}
		o.logger.Info("releasing the matches held for a rule that no longer collects a digest", "rule", id)
		o.FlushRule(ctx, id, rules)
	}
}

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
		o.observeMerged(len(ids))
		o.logger.Info("digest queued", "rule", ruleID, "channel", ch, "articles", len(ids))
	}
	o.Wake()
	return nil
}

// gather makes the digest of held deliveries: newest first by publication
// time, else by when they matched (storyTime).
func gather(channel, rule, mention string, held []article.Delivery) (article.Digest, []int64) {
	sort.SliceStable(held, func(i, j int) bool { return storyTime(held[i]).After(storyTime(held[j])) })
	digest := article.Digest{Channel: channel, Rule: rule}
	if mention != "" {
		digest.Mentions = []string{mention}
	}
	ids := make([]int64, 0, len(held))
	for _, h := range held {
		ids = append(ids, h.ID)
		if a, ok := h.Message.(article.Alert); ok {
			digest.Items = append(digest.Items, article.DigestItem{Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published})
			digest.AddRules(a)
		}
	}
	return digest, ids
}
