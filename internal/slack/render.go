// Package slack renders alerts as Slack messages (Block Kit with a plain
// text fallback, every piece of feed text escaped, within Slack's limits)
// and posts them with a bot token, an incoming webhook, or, with neither,
// prints them to standard output.
package slack

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Slack's limits, in characters.
const (
	MaxHeadline = 150
	MaxText     = 3000
	MaxBlocks   = 50
)

// Message is a rendered alert.
type Message struct {
	Text   string // fallback for notifications; mrkdwn
	Blocks []slack.Block
}

// escape makes feed text inert in Slack: &, < and > become entities, so
// "<!channel>" or "<@U123>" in a headline notifies nobody.
func escape(s string) string { return slackutilsx.EscapeMessage(s) }

// truncate cuts s to at most n characters, ending with "…" when cut. It
// works on the raw text, before escaping, so an escape is never split.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// safeURL returns link if it is an absolute http(s) URL, made safe inside
// Slack's <url|text>: characters that would end the link are
// percent-encoded, & is escaped. Anything else gives "".
func safeURL(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	s := u.String()
	s = strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20").Replace(s)
	return strings.ReplaceAll(s, "&", "&amp;")
}

// linkOrText renders text as a link to link, or as plain escaped text.
func linkOrText(link, text string) string {
	if u := safeURL(link); u != "" {
		return "<" + u + "|" + strings.ReplaceAll(escape(text), "|", "¦") + ">"
	}
	return escape(text)
}

// snippetMrkdwn renders the snippet escaped, with hits in bold.
func snippetMrkdwn(s article.Snippet) string {
	var b strings.Builder
	last := 0
	for _, h := range s.Hits {
		if h.Start < last || h.End > len(s.Text) || h.Start >= h.End {
			continue
		}
		b.WriteString(escape(stripMarkup(s.Text[last:h.Start])))
		b.WriteString("*" + escape(stripMarkup(s.Text[h.Start:h.End])) + "*")
		last = h.End
	}
	b.WriteString(escape(stripMarkup(s.Text[last:])))
	return b.String()
}

// stripMarkup replaces mrkdwn control characters in feed text with look-alikes
// so they cannot restyle the message.
func stripMarkup(s string) string {
	return strings.NewReplacer("*", "∗", "`", "'", "~", "∼").Replace(s)
}

// snippetBlockText quotes the snippet with hits in bold, shortened until the
// escaped text fits in one text object.
func snippetBlockText(s article.Snippet) string {
	for n := 600; ; n = n * 3 / 4 {
		text := ">" + snippetMrkdwn(cutSnippet(s, n))
		if utf8.RuneCountInString(text) <= MaxText {
			return text
		}
	}
}

// cutSnippet shortens s to at most n characters (the raw text, before
// escaping), keeping the hits that still fit whole.
func cutSnippet(s article.Snippet, n int) article.Snippet {
	if utf8.RuneCountInString(s.Text) <= n {
		return s
	}
	end := 0
	for i := 0; i < n-1; i++ {
		_, sz := utf8.DecodeRuneInString(s.Text[end:])
		end += sz
	}
	out := article.Snippet{Field: s.Field, Text: s.Text[:end] + "…"}
	for _, h := range s.Hits {
		if h.End <= end {
			out.Hits = append(out.Hits, h)
		}
	}
	return out
}

// slackDate renders t with Slack's date formatting, falling back to UTC
// text where the client cannot.
func slackDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	fallback := t.UTC().Format("2006-01-02 15:04 UTC")
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), fallback)
}

// Render turns an alert into a Block Kit message.
func Render(a article.Alert) Message {
	if len(a.Digest) > 0 {
		return renderDigest(a)
	}
	if a.Notice != "" {
		text := escape(truncate(a.Notice, MaxText/5))
		return Message{Text: text, Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		}}
	}
	title := truncate(strings.TrimSpace(a.Title), MaxHeadline)
	if title == "" {
		title = "(untitled)"
	}
	rules := escape(strings.Join(a.Rules, ", "))
	if a.ThreadTS != "" {
		// A thread reply: another outlet's report of the story above.
		text := "Also reported by *" + escape(truncate(a.Feed, 200)) + "*: " + linkOrText(a.Link, stripMarkup(title))
		meta := "matched " + truncate(rules, 1000)
		if d := slackDate(a.Published); d != "" {
			meta = d + " · " + meta
		}
		return Message{
			Text: "Also reported by " + escape(truncate(a.Feed, 200)) + ": " + escape(title) + " (matched " + truncate(rules, 1000) + ")",
			Blocks: []slack.Block{
				slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
				slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, meta, false, false)),
			},
		}
	}
	var lines []string
	if len(a.Mentions) > 0 {
		lines = append(lines, strings.Join(a.Mentions, " ")) // from rule files only
	}
	lines = append(lines, "*"+linkOrText(a.Link, stripMarkup(title))+"*")
	var blocks []slack.Block
	blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Join(lines, "\n"), false, false), nil, nil))

	meta := []string{escape(truncate(a.Feed, 200))}
	if d := slackDate(a.Published); d != "" {
		meta = append(meta, d)
	}
	meta = append(meta, "matched "+truncate(rules, 1000))
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, strings.Join(meta, " · "), false, false)))

	if a.Snippet.Text != "" {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, snippetBlockText(a.Snippet), false, false), nil, nil))
	}

	fallback := escape(truncate(strings.Join(a.Rules, ", "), 200)) + ": " + escape(title) + " (" + escape(truncate(a.Feed, 200)) + ")"
	if len(a.Mentions) > 0 {
		fallback = strings.Join(a.Mentions, " ") + " " + fallback
	}
	return Message{Text: fallback, Blocks: blocks}
}

// MaxDigestItems is how many articles a digest lists before "and N more":
// with its heading and that line, the message stays within 50 blocks.
const MaxDigestItems = MaxBlocks - 5

func renderDigest(a article.Alert) Message {
	n := len(a.Digest)
	rule := escape(truncate(strings.Join(a.Rules, ", "), 200))
	head := fmt.Sprintf("*%s* — digest of %d %s", rule, n, plural(n, "article", "articles"))
	if len(a.Mentions) > 0 {
		head = strings.Join(a.Mentions, " ") + " " + head
	}
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head, false, false), nil, nil)}
	for _, it := range a.Digest[:min(n, MaxDigestItems)] {
		title := truncate(strings.TrimSpace(it.Title), MaxHeadline)
		line := "*" + linkOrText(it.Link, stripMarkup(title)) + "*\n" + escape(truncate(it.Feed, 200))
		if d := slackDate(it.Published); d != "" {
			line += " · " + d
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, line, false, false), nil, nil))
	}
	if n > MaxDigestItems {
		more := fmt.Sprintf("and %d more", n-MaxDigestItems)
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, more, false, false)))
	}
	text := fmt.Sprintf("%s: digest of %d %s", rule, n, plural(n, "article", "articles"))
	if len(a.Mentions) > 0 {
		text = strings.Join(a.Mentions, " ") + " " + text
	}
	return Message{Text: text, Blocks: blocks}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Plain renders an alert as readable text for a terminal: no markup
// beyond ** around hits.
func Plain(a article.Alert) string {
	var b strings.Builder
	if a.Notice != "" {
		fmt.Fprintf(&b, "━━ %s ━━ notice\n%s\n", a.Channel, a.Notice)
		return b.String()
	}
	if n := len(a.Digest); n > 0 {
		fmt.Fprintf(&b, "━━ %s ━━ digest: %s (%d %s)\n", a.Channel, strings.Join(a.Rules, ", "), n, plural(n, "article", "articles"))
		for _, it := range a.Digest {
			fmt.Fprintf(&b, "  • %s — %s", strings.TrimSpace(it.Title), it.Feed)
			if !it.Published.IsZero() {
				fmt.Fprintf(&b, " · %s", it.Published.UTC().Format("2006-01-02 15:04 UTC"))
			}
			fmt.Fprintf(&b, "\n    %s\n", it.Link)
		}
		return b.String()
	}
	if a.ThreadTS != "" {
		fmt.Fprintf(&b, "  ↳ also reported by %s: %s\n    %s\n", a.Feed, strings.TrimSpace(a.Title), a.Link)
		return b.String()
	}
	fmt.Fprintf(&b, "━━ %s ━━ %s\n", a.Channel, strings.Join(a.Rules, ", "))
	fmt.Fprintf(&b, "%s\n", strings.TrimSpace(a.Title))
	meta := a.Feed
	if !a.Published.IsZero() {
		meta += " · " + a.Published.UTC().Format("2006-01-02 15:04 UTC")
	}
	fmt.Fprintf(&b, "%s\n", meta)
	if a.Link != "" {
		fmt.Fprintf(&b, "%s\n", a.Link)
	}
	if a.Snippet.Text != "" {
		fmt.Fprintf(&b, "  “%s”\n", a.Snippet.Marked("**", "**"))
	}
	return b.String()
}
