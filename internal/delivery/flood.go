package delivery

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Flood control. A paced channel takes about one post a second, so a
// broad new rule or a big event (hundreds of matches at once) would make
// every later alert, the next breaking story among them, wait for hours.
// A channel gets each alert as its own post while its backlog can be
// cleared at that pace in about 20 s: when more than Settings.FloodAt
// (slack.flood_after, 20) alerts wait for one channel, the first go out as
// they are and the rest are gathered into summary posts — "14 more matches
// for IS leadership in the last 20 min", each article linked, at most
// MaxPerSummary a post — by the rules that matched them. Every match stays
// recorded (merged into its summary) and counted in status.
const (
	DefaultFloodAt = 20
	MaxPerSummary  = 45 // what a Slack message shows within its 50 blocks
)

// collapse gathers the alerts waiting for channel beyond FloodAt into
// summaries, except those that continue a story already posted (they go
// into its thread); it reports whether it gathered any (the list is then
// stale).
// The console decides as Slack would (it is what a dry run shows), though
// printing is not paced.
func (o *Outbox) collapse(ctx context.Context, channel string, waiting []article.Delivery) (bool, error) {
	var alerts []article.Delivery
	for _, dl := range waiting {
		if _, ok := dl.Message.(article.Alert); ok {
			alerts = append(alerts, dl)
		}
	}
	floodAt := o.settings.Load().FloodAt
	if floodAt <= 0 {
		floodAt = DefaultFloodAt
	}
	if len(alerts) <= floodAt {
		return false, nil
	}
	byRules := map[string][]article.Delivery{}
	var order []string
	threads := o.Capabilities().Threads
	for _, dl := range alerts[floodAt:] {
		if head, err := o.thread(ctx, dl, threads); err == nil && head != nil {
			continue // it continues a story already posted: into that story's thread, flood or not
		}
		key := strings.Join(dl.Message.(article.Alert).Rules, ", ")
		if _, ok := byRules[key]; !ok {
			order = append(order, key)
		}
		byRules[key] = append(byRules[key], dl)
	}
	if len(order) == 0 {
		return false, nil
	}
	for _, rules := range order {
		group := byRules[rules]
		for len(group) > 0 {
			part := group[:min(MaxPerSummary, len(group))]
			group = group[len(part):]
			summary, ids := o.summary(channel, rules, part)
			if err := o.store.Gather(ctx, summary, ids); errors.Is(err, article.ErrChanged) {
				return true, nil // the list was stale: take it again
			} else if err != nil {
				return false, err
			}
			o.observeMerged(len(ids))
		}
	}
	o.logger.Warn("flood: alerts gathered into summaries", "channel", channel, "alerts", len(alerts)-floodAt)
	o.observe("flood")
	return true, nil
}

// summary is one post for some alerts of a flood, newest first.
func (o *Outbox) summary(channel, rules string, part []article.Delivery) (article.Digest, []int64) {
	d, ids := gather(channel, rules, "", part)
	d.Mentions = mentionsOf(part) // the rules' mentions: a summary notifies whom its alerts would have
	oldest := o.now()
	for _, dl := range part {
		if dl.Created.Before(oldest) {
			oldest = dl.Created
		}
	}
	d.Flood, d.Span = true, article.Duration(o.now().Sub(oldest)/time.Second)
	sort.SliceStable(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return d, ids
}

// mentionsOf are the mentions of the alerts in part, each once, in order.
func mentionsOf(part []article.Delivery) []string {
	var out []string
	seen := map[string]bool{}
	for _, dl := range part {
		a, _ := dl.Message.(article.Alert)
		for _, m := range a.Mentions {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}
