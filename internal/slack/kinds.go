package slack

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Render turns a message of any kind into a Block Kit message.
func Render(m article.Message) Message {
	switch m := m.(type) {
	case article.Reply:
		return renderReply(m)
	case article.Alert:
		return renderAlert(m)
	case article.Digest:
		return renderDigest(m)
	case article.Notice:
		text := escape(truncate(NoticeText(m), MaxText/5))
		return Message{Text: text, Blocks: []slack.Block{section(text)}}
	}
	panic(fmt.Sprintf("slack: cannot render a %T", m))
}

// quoted says whether an alert shows its snippet: not when there is none,
// nor when its headline was made from the same words.
func quoted(a article.Alert) bool {
	made := strings.TrimSuffix(a.Title, "…")
	return a.Snippet.Text != "" && !(a.Untitled && strings.HasPrefix(a.Snippet.Text, made))
}

func headline(title string) string {
	t := truncate(strings.TrimSpace(title), MaxHeadline)
	if t == "" {
		return "(untitled)"
	}
	return t
}

func renderAlert(a article.Alert) Message {
	title := headline(a.Title)
	rules := escape(strings.Join(a.Rules, ", "))
	var lines []string
	if len(a.Mentions) > 0 {
		lines = append(lines, strings.Join(a.Mentions, " ")) // from rule files only
	}
	if a.Untitled { // the feed gave no headline: its name, then the start of the text
		lines = append(lines, "*"+linkOrText(a.Link, stripMarkup(truncate(a.Feed, 200)))+"*: "+escape(stripMarkup(title)))
	} else {
		lines = append(lines, "*"+linkOrText(a.Link, stripMarkup(title))+"*")
	}
	blocks := []slack.Block{section(strings.Join(lines, "\n"))}

	meta := []string{escape(truncate(a.Feed, 200))}
	if d := slackDate(a.Published); d != "" {
		meta = append(meta, d)
	}
	meta = append(meta, "matched "+truncate(rules, 1000))
	blocks = append(blocks, context1(strings.Join(meta, " · ")))
	if quoted(a) {
		blocks = append(blocks, section(snippetBlockText(a.Snippet)))
	}

	fallback := escape(truncate(strings.Join(a.Rules, ", "), 200)) + ": " + escape(stripMarkup(title)) + " (" + escape(truncate(a.Feed, 200)) + ")"
	if len(a.Mentions) > 0 {
		fallback = strings.Join(a.Mentions, " ") + " " + fallback
	}
	return Message{Text: fallback, Blocks: blocks}
}

// renderReply is another outlet's report of the story above: short, no
// mentions, no snippet.
func renderReply(r article.Reply) Message {
	title := headline(r.Title)
	rules := truncate(escape(strings.Join(r.Rules, ", ")), 1000)
	feed := escape(truncate(r.Feed, 200))
	meta := "matched " + rules
	if d := slackDate(r.Published); d != "" {
		meta = d + " · " + meta
	}
	return Message{
		Text: "Also reported by " + feed + ": " + escape(stripMarkup(title)) + " (matched " + rules + ")",
		Blocks: []slack.Block{
			section("Also reported by *" + feed + "*: " + linkOrText(r.Link, stripMarkup(title))),
			context1(meta),
		},
	}
}

// MaxDigestItems is how many articles a digest lists before "and N more":
// with its heading and that line, the message stays within 50 blocks.
const MaxDigestItems = MaxBlocks - 5

func renderDigest(d article.Digest) Message {
	n := len(d.Items)
	rule := escape(truncate(d.Rule, 200))
	head := fmt.Sprintf("*%s* — digest of %d %s", rule, n, plural(n, "article", "articles"))
	text := fmt.Sprintf("%s: digest of %d %s", rule, n, plural(n, "article", "articles"))
	if d.Flood {
		head = fmt.Sprintf("%d more %s for *%s* in the last %s", n, plural(n, "match", "matches"), rule, ago(d.Span.D()))
		text = fmt.Sprintf("%d more %s for %s in the last %s", n, plural(n, "match", "matches"), rule, ago(d.Span.D()))
	}
	if len(d.Mentions) > 0 {
		head = strings.Join(d.Mentions, " ") + " " + head
		text = strings.Join(d.Mentions, " ") + " " + text
	}
	blocks := []slack.Block{section(head)}
	for _, it := range d.Items[:min(n, MaxDigestItems)] {
		line := "*" + linkOrText(it.Link, stripMarkup(headline(it.Title))) + "*\n" + escape(truncate(it.Feed, 200))
		if date := slackDate(it.Published); date != "" {
			line += " · " + date
		}
		blocks = append(blocks, section(line))
	}
	if n > MaxDigestItems {
		blocks = append(blocks, context1(fmt.Sprintf("and %d more", n-MaxDigestItems)))
	}
	return Message{Text: text, Blocks: blocks}
}

// NoticeText is the wording of an operator notice, in plain text.
func NoticeText(n article.Notice) string {
	switch n.Event {
	case article.FeedFailing:
		return fmt.Sprintf("Feed %q is failing: %d consecutive failures. Last error: %s. Next try after %s.",
			n.Feed, n.Failures, n.Err, UTC(n.NextTry))
	case article.FeedRecovered:
		return fmt.Sprintf("Feed %q recovered after %d consecutive failures.", n.Feed, n.Failures)
	case article.DeliveryFailed:
		return fmt.Sprintf("A message to %s could not be delivered and was given up: %s. It was %s. Others to %s that fail the same way are not reported one by one until one gets through; `feedwatch status` lists them all. Once the cause is fixed, `feedwatch retry` queues them again.",
			n.About.Channel, n.Err, undelivered(n.About), n.About.Channel)
	case article.SilenceEnded:
		sl := n.Silence
		how := "ran out"
		if sl.ExpiredBy != "" {
			how = "was ended early by " + sl.ExpiredBy
		}
		text := fmt.Sprintf("The silence #%d on %s (set by %s", sl.ID, sl.What(), sl.By)
		if sl.Reason != "" {
			text += ": " + sl.Reason
		}
		return text + fmt.Sprintf(") %s at %s; it held %d %s. Its alerts post again.", how, UTC(sl.Ends), sl.Silenced, plural(sl.Silenced, "match", "matches"))
	case article.SocketRefused:
		return fmt.Sprintf("Slack refused the app-level token (%s): buttons on alerts and /feedwatch are not heard until slack.app_token is fixed. Alerts are still posted. feedwatch tries again every few minutes.", n.Err)
	case article.DeliveryResumed:
		return fmt.Sprintf("Delivery was paused for %s because outcomes could not be recorded (%s); nothing was lost or posted twice, and it has resumed.",
			n.Paused.D(), n.Err)
	case article.RulesRejected:
		return fmt.Sprintf("Rules in %s were not reloaded (%d %s); the previous rules stay in force:\n%s",
			n.RulesDir, n.Total, plural(n.Total, "problem", "problems"), strings.Join(n.Problems, "\n"))
	}
	return n.Text
}

func undelivered(u *article.Undelivered) string {
	rules := strings.Join(u.Rules, ", ")
	switch u.Kind {
	case "digest":
		return fmt.Sprintf("the %s digest of %d %s", rules, u.Digest, plural(u.Digest, "article", "articles"))
	case "flood summary":
		return fmt.Sprintf("a summary of %d %s for %s", u.Digest, plural(u.Digest, "match", "matches"), rules)
	case "notice":
		return "an operator notice"
	case "unreadable record":
		return "a record this feedwatch cannot read"
	}
	return fmt.Sprintf("the alert %q (%s)", u.Title, rules)
}

// Plain renders a message as readable text for a terminal: no markup
// beyond ** around hits.
func Plain(m article.Message) string {
	var b strings.Builder
	switch m := m.(type) {
	case article.Notice:
		fmt.Fprintf(&b, "━━ %s ━━ notice\n%s\n", m.Channel, NoticeText(m))
	case article.Digest:
		n := len(m.Items)
		if m.Flood {
			fmt.Fprintf(&b, "━━ %s ━━ %d more %s for %s in the last %s\n", m.Channel, n, plural(n, "match", "matches"), m.Rule, ago(m.Span.D()))
		} else {
			fmt.Fprintf(&b, "━━ %s ━━ digest: %s (%d %s)\n", m.Channel, m.Rule, n, plural(n, "article", "articles"))
		}
		for _, it := range m.Items {
			fmt.Fprintf(&b, "  • %s — %s", strings.TrimSpace(it.Title), it.Feed)
			if !it.Published.IsZero() {
				fmt.Fprintf(&b, " · %s", UTC(it.Published))
			}
			fmt.Fprintf(&b, "\n    %s\n", it.Link)
		}
	case article.Reply:
		fmt.Fprintf(&b, "  ↳ %s ━━ in the thread of “%s”\n  ↳ also reported by %s: %s\n    %s\n",
			m.Channel, oneLine(m.Parent, 100), m.Feed, strings.TrimSpace(m.Title), m.Link)
	case article.Alert:
		title := strings.TrimSpace(m.Title)
		if m.Untitled {
			title = m.Feed + ": " + title
		}
		fmt.Fprintf(&b, "━━ %s ━━ %s\n%s\n", m.Channel, strings.Join(m.Rules, ", "), title)
		meta := m.Feed
		if !m.Published.IsZero() {
			meta += " · " + UTC(m.Published)
		}
		fmt.Fprintf(&b, "%s\n", meta)
		if m.Link != "" {
			fmt.Fprintf(&b, "%s\n", m.Link)
		}
		if quoted(m) {
			fmt.Fprintf(&b, "  “%s”\n", m.Snippet.Marked("**", "**"))
		}
	}
	return b.String()
}

// ago says a span the way a reader would: "20 min", "3 h", "2 days".
func ago(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "minute"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// oneLine is s on one line, cut to n runes with "…".
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
