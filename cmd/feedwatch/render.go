package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/slack"
)

// renderedMessage is what test --render shows of one message an article
// would send: where it goes and the message itself, as Slack gets it.
type renderedMessage struct {
	Channel  string          `json:"channel"`
	Mentions []string        `json:"mentions,omitempty"`
	Digest   string          `json:"held_for_digest,omitempty"` // the rule whose digest holds it
	Text     string          `json:"text"`                      // the notification fallback
	Blocks   []goslack.Block `json:"blocks"`
	preview  string          // the console's form of it
}

// renderSetup is how feedwatch run routes and draws with a configuration:
// by what its transport can do (a webhook posts only to its own channel),
// with the buttons analysts answer with when it listens (an app token).
type renderSetup struct {
	route.Table
	Buttons bool
}

func renderTable(cfg *config.Config) renderSetup {
	return renderSetup{route.Table{Fallback: cfg.Slack.Channel, PerRule: app.NewTransport(cfg, io.Discard).Capabilities().PerRuleChannels}, cfg.Slack.Interactive()}
}

// renderMessages routes and renders an article's matches as a poll does
// (route.Alerts, slack.Render): one alert per channel naming every rule
// that matched there, and a digest rule's match held apart.
func renderMessages(a *article.Article, rs []*rules.Rule, t renderSetup) []renderedMessage {
	d := rules.NewDocument(a)
	var matches []article.Match
	for _, r := range rs {
		if ok, ex := r.Explain(d); ok {
			matches = append(matches, article.Match{RuleID: r.ID, RuleName: r.Name, Channel: r.Channel, Mention: r.Mention, Digest: r.Digest != "", Explain: ex})
		}
	}
	var out []renderedMessage
	for _, o := range route.Alerts(a, matches, t.Table) {
		m := slack.Render(o.Alert)
		if t.Buttons {
			m = slack.RenderInteractive(o.Alert, article.Marks{}, time.Now())
		}
		out = append(out, renderedMessage{Channel: o.Alert.Channel, Mentions: o.Alert.Mentions, Digest: o.HoldFor,
			Text: m.Text, Blocks: m.Blocks, preview: slack.Plain(o.Alert)})
	}
	return out
}

// printRendered shows where each message goes and a faithful text preview.
func printRendered(w io.Writer, ms []renderedMessage) {
	for _, m := range ms {
		where := "posted at once to " + m.Channel
		if m.Digest != "" {
			where = "held for the digest of rule " + m.Digest + ", posted on its schedule to " + m.Channel
		}
		if len(m.Mentions) > 0 {
			where += ", mentioning " + strings.Join(m.Mentions, " ")
		}
		fmt.Fprintf(w, "  → %s; as a reply in its story's thread when another report of the story was posted there in the last 48 h\n", where)
		for _, line := range strings.Split(strings.TrimRight(m.preview, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}
