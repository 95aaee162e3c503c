// Package route turns an article's matches into the messages to deliver:
// one alert per channel, naming every rule that sent it there, with the
// snippet that shows most; a match of a digest rule held apart for its
// digest.
package route

import (
	"slices"
	"sort"
	"strings"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Table says where matches go.
type Table struct {
	Fallback string // the configured channel
	PerRule  bool   // the transport can post to the channel a rule names
}

func (t Table) channel(m article.Match) string {
	if m.Channel != "" && t.PerRule {
		return m.Channel
	}
	return t.Fallback
}

// Out is one message for an article.
type Out struct {
	Alert   article.Alert
	HoldFor string // a digest rule's id: held until its digest is posted
}

// Alerts groups an article's matches by channel, channels in name order,
// then the held digest matches (one per rule) in match order.
func Alerts(a *article.Article, matches []article.Match, t Table) []Out {
	byChannel := map[string]*article.Alert{}
	best := map[string]int{}
	var held []Out
	for _, m := range matches {
		if m.Silenced != 0 {
			continue // recorded, never posted
		}
		ch := t.channel(m)
		if m.Digest {
			al := newAlert(a, ch)
			al.Rules, al.RuleIDs, al.Snippet = []string{m.RuleName}, []string{m.RuleID}, m.Explain.Snippet
			held = append(held, Out{Alert: al, HoldFor: m.RuleID})
			continue
		}
		al, ok := byChannel[ch]
		if !ok {
			n := newAlert(a, ch)
			al, best[ch] = &n, -1
			byChannel[ch] = al
		}
		al.Rules, al.RuleIDs = append(al.Rules, m.RuleName), append(al.RuleIDs, m.RuleID)
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
	out := make([]Out, 0, len(channels)+len(held))
	for _, ch := range channels {
		out = append(out, Out{Alert: *byChannel[ch]})
	}
	return append(out, held...)
}

func newAlert(a *article.Article, channel string) article.Alert {
	return article.Alert{Channel: channel, Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published, Lead: Lead(a), Untitled: a.MadeUp}
}

// Lead is the start of an article's text: what tells its story apart.
func Lead(a *article.Article) string {
	s := a.Summary
	if s == "" {
		s = a.Content
	}
	if lead := article.CutRunes(s, article.LeadLen); len(lead) < len(s) {
		return strings.Clone(lead) // a slice would keep the whole text alive where the lead is kept
	}
	return s
}
