package daemon

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/feed"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
)

// routing is where matches go.
type routing struct {
	fallback string // the configured channel
	perRule  bool   // the transport can post where a rule says
}

func (d *Daemon) routing(cfg *config.Config) routing {
	return routing{fallback: cfg.Slack.Channel, perRule: d.outbox.Capabilities().PerRuleChannels}
}

func (r routing) channel(m article.Match) string {
	if m.Channel != "" && r.perRule {
		return m.Channel
	}
	return r.fallback
}

// route groups an article's matches by channel: one alert per channel,
// naming every rule that sent it there, with the snippet that has the most
// hits, and its story fingerprint. A match of a digest rule is held apart,
// one per rule, until that rule's digest is posted.
func route(a *article.Article, matches []article.Match, to routing) []store.Outgoing {
	byChannel := map[string]*article.Alert{}
	best := map[string]int{}
	var held []store.Outgoing
	for _, m := range matches {
		ch := to.channel(m)
		if m.Digest {
			al := newAlert(a, ch)
			al.Rules, al.Snippet = []string{m.RuleName}, m.Explain.Snippet
			held = append(held, store.Outgoing{Message: al, HoldFor: m.RuleID})
			continue
		}
		al, ok := byChannel[ch]
		if !ok {
			n := newAlert(a, ch)
			al, best[ch] = &n, -1
			byChannel[ch] = al
		}
		al.Rules = append(al.Rules, m.RuleName)
		if m.Mention != "" && !slices.Contains(al.Mentions, m.Mention) {
			al.Mentions = append(al.Mentions, m.Mention)
		}
		if n := len(m.Explain.Snippet.Hits); n > best[ch] {
			best[ch] = n
			al.Snippet = m.Explain.Snippet
		}
	}
	channels := make([]string, 0, len(byChannel))
	for ch := range byChannel {
		channels = append(channels, ch)
	}
	sort.Strings(channels)
	out := make([]store.Outgoing, 0, len(channels)+len(held))
	for _, ch := range channels {
		al := *byChannel[ch]
		out = append(out, store.Outgoing{Message: al, Story: fingerprint(al).Encode()})
	}
	return append(out, held...)
}

func newAlert(a *article.Article, channel string) article.Alert {
	return article.Alert{Channel: channel, Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published, Lead: lead(a)}
}

// lead is the start of an article's text: what tells its story apart.
func lead(a *article.Article) string {
	s := a.Summary
	if s == "" {
		s = a.Content
	}
	if r := []rune(s); len(r) > 400 {
		s = string(r[:400])
	}
	return s
}

func fingerprint(a article.Alert) story.Fingerprint {
	return story.Of(a.Title, a.Lead, feed.CanonicalLink(a.Link))
}

// storyWindow is how far back a report looks for the first post of its story.
const storyWindow = 48 * time.Hour

// storyHead returns the post in dl's channel within storyWindow whose story
// dl reports — the most similar — or nil. Only posts with a ts can take a
// reply; with replies false (a webhook: merges need no ts) any will do.
func (d *Daemon) storyHead(ctx context.Context, dl article.Delivery, replies bool) (*article.Delivery, error) {
	if _, ok := dl.Message.(article.Alert); !ok {
		return nil, nil
	}
	heads, err := d.store.StoryHeads(ctx, dl.Channel(), d.now().Add(-storyWindow))
	if err != nil {
		return nil, err
	}
	var cands []story.Fingerprint
	var which []int
	for i, h := range heads {
		if h.ID == dl.ID || (replies && h.SlackTS == "") {
			continue
		}
		cands, which = append(cands, stored(h)), append(which, i)
	}
	if k := story.Pick(stored(dl), cands); k >= 0 {
		return &heads[which[k]], nil
	}
	return nil, nil
}

// stored is the fingerprint recorded with a delivery, or computed for one
// recorded before fingerprints were.
func stored(dl article.Delivery) story.Fingerprint {
	if fp, err := story.Decode(dl.Story); err == nil && len(dl.Story) > 0 {
		return fp
	}
	a, _ := dl.Message.(article.Alert)
	return fingerprint(a)
}
