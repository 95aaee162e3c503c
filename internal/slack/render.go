// Package slack renders every message kind as a Slack message (Block Kit
// with a plain text fallback, every piece of feed text escaped, within
// Slack's limits; all wording lives here) and posts them with a bot token,
// an incoming webhook, or, with neither, prints them to standard output.
// Each transport says what it can do (article.Capabilities).
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
	MaxLink     = 1000 // a longer link is not linked: with its headline it could outgrow a section
	MaxBlocks   = 50
)

// Message is a rendered message.
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
	if u := safeURL(link); u != "" && len(u) <= MaxLink {
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
// so they cannot restyle the message: *bold*, _italic_, ~strike~, `code`.
func stripMarkup(s string) string {
	return strings.NewReplacer("*", "∗", "`", "'", "~", "∼", "_", "ˍ").Replace(s)
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

// UTC is how a time is written in plain text everywhere feedwatch shows one.
func UTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// slackDate renders t with Slack's date formatting, falling back to UTC
// text where the client cannot.
func slackDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	fallback := UTC(t)
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), fallback)
}

// section and context1 make the only text objects feedwatch sends, all
// verbatim: Slack then neither turns a bare URL or a #channel name in
// feed text into a link nor parses a mention in it; the links, dates and
// rule mentions feedwatch writes itself (<url|text>, <!date…>, <!here>)
// still work.
func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, true), nil, nil)
}

func context1(text string) slack.Block {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, text, false, true))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
