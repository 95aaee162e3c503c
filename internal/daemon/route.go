package daemon

import (
	"context"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
)

func (d *Daemon) routes(cfg *config.Config) route.Table {
	return route.Table{Fallback: cfg.Slack.Channel, PerRule: d.outbox.Capabilities().PerRuleChannels}
}

// outgoing is what to record for an article's matches: its messages, each
// alert with its story fingerprint, computed once here.
func outgoing(a *article.Article, matches []article.Match, t route.Table) []store.Outgoing {
	var out []store.Outgoing
	for _, o := range route.Alerts(a, matches, t) {
		og := store.Outgoing{Message: o.Alert, HoldFor: o.HoldFor}
		if o.HoldFor == "" {
			og.Story = story.OfAlert(o.Alert).Encode()
		}
		out = append(out, og)
	}
	return out
}

// storyWindow is how far back a report looks for the first post of its story.
const storyWindow = 48 * time.Hour

// storyHead is the earlier post in dl's channel within storyWindow whose
// story dl reports, or nil.
func (d *Daemon) storyHead(ctx context.Context, dl article.Delivery, replies bool) (*article.Delivery, error) {
	if _, ok := dl.Message.(article.Alert); !ok {
		return nil, nil
	}
	heads, err := d.store.StoryHeads(ctx, dl.Channel(), d.now().Add(-storyWindow))
	if err != nil {
		return nil, err
	}
	return story.Head(dl, heads, d.corpus, replies), nil
}
