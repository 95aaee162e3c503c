package slack

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
)

var entities = regexp.MustCompile(`&(amp|lt|gt);`)

var update = flag.Bool("update", false, "rewrite golden files")

var alert = article.Alert{
	Channel:   "#iraq-watch",
	Feed:      "Military.com",
	Title:     "Iraq says Islamic State's top leader killed in Anbar operation backed by U.S.-led coalition",
	Link:      "https://www.military.com/daily-news/2025/03/15/iraq-leader-killed.html?utm_source=rss",
	Published: time.Date(2025, 3, 15, 9, 30, 0, 0, time.UTC),
	Rules:     []string{"Coalition operations in Anbar", "IS leadership"},
	Mentions:  []string{"<!here>"},
	Snippet: article.Snippet{
		Field: "content",
		Text:  "The operation was executed with support from U.S.-led coalition forces in Anbar.",
		Hits:  []article.Span{{Start: 4, End: 13}, {Start: 45, End: 53}, {Start: 54, End: 63}, {Start: 74, End: 79}},
	},
}

// kinds is one message of every kind, by golden file name.
var kinds = []struct {
	name string
	msg  article.Message
}{
	{"alert", alert},
	{"reply", article.Reply{Alert: alert, ThreadTS: "1710495000.000100", Parent: "Iraqi PM says ISIS chief Abu Khadija killed in joint operation"}},
	{"digest", article.Digest{Channel: "#iraq-watch", Rule: "Anbar daily", Mentions: []string{"<!here>"}, Items: []article.DigestItem{
		{Feed: "Military.com", Title: alert.Title, Link: alert.Link, Published: alert.Published},
		{Feed: "Wire <b>", Title: "Ramadi bridge reopens & *traffic* flows", Link: "https://wire.example/ramadi"},
	}}},
	{"flood-summary", article.Digest{Channel: "#iraq-watch", Rule: "IS leadership", Flood: true, Span: 20 * 60, Items: []article.DigestItem{
		{Feed: "Military.com", Title: alert.Title, Link: alert.Link, Published: alert.Published},
		{Feed: "Wire", Title: "Second report", Link: "https://wire.example/2"},
	}}},
	{"notice-feed-failing", article.Notice{Channel: "#ops", Event: article.FeedFailing, Feed: "Wire", Failures: 3,
		Err: "HTTP 503 Service Unavailable", NextTry: time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC)}},
	{"notice-feed-recovered", article.Notice{Channel: "#ops", Event: article.FeedRecovered, Feed: "Wire", Failures: 4}},
	{"notice-delivery-failed", article.Notice{Channel: "#ops", Event: article.DeliveryFailed, Err: "channel_not_found",
		About: article.Summary(alert)}},
	{"notice-delivery-resumed", article.Notice{Channel: "#ops", Event: article.DeliveryResumed, Paused: 95, Err: "record that Slack accepted it: database or disk is full (13)"}},
	{"notice-silence-ended", article.Notice{Channel: "#ops", Event: article.SilenceEnded, Silence: &article.Silence{ID: 3, Rule: "is-leadership",
		Ends: time.Date(2025, 3, 15, 18, 0, 0, 0, time.UTC), By: "alice", Reason: "the desk covers the Anbar raid", Silenced: 12}}},
	{"notice-rules-rejected", article.Notice{Channel: "#ops", Event: article.RulesRejected, RulesDir: "rules", Total: 2,
		Problems: []string{"rules/a.yaml:3:8: unknown list @foo", "rules/b.yaml:1:1: unknown key \"qurey\""}}},
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n%s", path, got)
	}
}

func TestEveryMessageKindMatchesItsGoldenFile(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			golden(t, k.name+".golden.json", []byte(encode(t, Render(k.msg))))
		})
	}
}

func TestEveryMessageKindReadsWellOnTheConsole(t *testing.T) {
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "## %s\n%s\n", k.name, Plain(k.msg))
	}
	golden(t, "console.golden.txt", []byte(b.String()))
}

// texts returns every text of a message: the fallback and each block's.
func texts(m Message) []string {
	out := []string{m.Text}
	raw, _ := json.Marshal(m.Blocks)
	var v any
	json.Unmarshal(raw, &v)
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "text" {
					out = append(out, s)
				} else {
					walk(c)
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

func TestFeedTextCannotNotifyOrLinkAnywhere(t *testing.T) {
	a := alert
	a.Mentions = nil
	a.Title = "<!channel> ISIS leader <@U999> killed <https://evil.example|click> & *bold*"
	a.Feed = "<!everyone> wire"
	a.Rules = []string{"IS leadership"}
	a.Snippet = article.Snippet{Text: "see <!subteam^S1> and <https://evil.example>", Hits: []article.Span{{Start: 0, End: 3}}}
	for _, s := range texts(Render(a)) {
		for _, bad := range []string{"<!channel>", "<@U999>", "<https://evil.example", "<!everyone>", "<!subteam"} {
			if strings.Contains(s, bad) {
				t.Errorf("live markup %q in %q", bad, s)
			}
		}
	}
	title := texts(Render(a))[1]
	if !strings.Contains(title, "&lt;!channel&gt; ISIS leader &lt;@U999&gt;") || !strings.Contains(title, "&amp; ∗bold∗") {
		t.Errorf("headline not shown escaped: %q", title)
	}
}

func TestOnlyHTTPLinksAreLinkedAndTheyCannotBreakOut(t *testing.T) {
	for link, want := range map[string]string{
		"javascript:alert(1)":               "",
		"https://x.example/a|b>c<d&e=1":     "https://x.example/a%7Cb%3Ec%3Cd&amp;e=1",
		"ftp://x.example/file":              "",
		"https://x.example/ok?a=1&b=2#frag": "https://x.example/ok?a=1&amp;b=2#frag",
		"http://[::1]:8080/path with space": "http://[::1]:8080/path%20with%20space",
	} {
		if got := safeURL(link); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", link, got, want)
		}
	}
	a := alert
	a.Mentions = nil
	a.Link = "javascript:alert(1)"
	if first := texts(Render(a))[1]; strings.Contains(first, "<") {
		t.Errorf("a javascript: link was linked: %q", first)
	}
}

func TestHugeHeadlinesAndSnippetsStayWithinSlackLimits(t *testing.T) {
	a := alert
	a.Title = strings.Repeat("<é&> ", 4000) // 20,000 characters, every one to escape
	a.Feed = strings.Repeat("f", 1000)
	a.Rules = []string{strings.Repeat("r", 5000)}
	a.Snippet = article.Snippet{Text: strings.Repeat("&", 100000)}
	for i := 0; i < 100000; i += 2 {
		a.Snippet.Hits = append(a.Snippet.Hits, article.Span{Start: i, End: i + 1})
	}
	m := Render(a)
	if n := len(texts(m)); n != 4 {
		t.Fatalf("want 4 texts (fallback, headline, context, snippet), got %d", n)
	}
	if snip := texts(m)[3]; !strings.HasPrefix(snip, ">*&amp;*&amp;*&amp;*") {
		t.Errorf("the cut snippet lost its hits: %.40q", snip)
	}
	if len(m.Blocks) > MaxBlocks {
		t.Errorf("%d blocks", len(m.Blocks))
	}
	for _, s := range texts(m) {
		if n := utf8.RuneCountInString(s); n > MaxText {
			t.Errorf("a text of %d characters exceeds %d", n, MaxText)
		}
		if !utf8.ValidString(s) {
			t.Error("invalid UTF-8: a character was cut")
		}
		// An escape is never cut: with whole entities removed, no & is left.
		if rest := entities.ReplaceAllString(s, ""); strings.Contains(rest, "&") {
			t.Fatalf("a cut escape in %q", rest[strings.Index(rest, "&"):][:8])
		}
	}
	title := strings.TrimSuffix(strings.TrimPrefix(texts(m)[1], "<!here>\n*<"+safeURL(a.Link)+"|"), ">*")
	if n := utf8.RuneCountInString(strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(title)); n > MaxHeadline {
		t.Errorf("headline has %d characters, want at most %d", n, MaxHeadline)
	}
}

func TestErrorsCarryTheRetryDecision(t *testing.T) {
	cases := []struct {
		err       error
		permanent bool
		after     time.Duration
	}{
		{&slack.RateLimitedError{RetryAfter: 30 * time.Second}, false, 30 * time.Second},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, true, 0},
		{slack.SlackErrorResponse{Err: "invalid_auth"}, true, 0},
		{slack.SlackErrorResponse{Err: "internal_error"}, false, 0},
		{slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, false, 0},
		{slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, true, 0},
		{errors.New("dial tcp: connection refused"), false, 0},
	}
	for _, c := range cases {
		e := classify(c.err)
		if e.Permanent() != c.permanent || e.RetryAfter() != c.after {
			t.Errorf("classify(%v) = %+v, want permanent=%v after=%s", c.err, e, c.permanent, c.after)
		}
	}
}

func TestAWebhookURLNeverAppearsInErrors(t *testing.T) {
	const secretURL = "http://127.0.0.1:1/services/T000/B000/very-secret"
	w := NewWebhook(secretURL, &http.Client{Timeout: time.Second}, false)
	_, err := w.Post(context.Background(), alert)
	if err == nil {
		t.Fatal("want a connection error")
	}
	if strings.Contains(err.Error(), "very-secret") || strings.Contains(err.Error(), "B000") {
		t.Errorf("error leaks the webhook URL: %v", err)
	}
	var se *Error
	if !errors.As(err, &se) || se.Permanent() {
		t.Errorf("a network error should be retryable: %#v", err)
	}
}

func TestConsoleOutputIsReadable(t *testing.T) {
	var b strings.Builder
	if _, err := NewConsole(&b).Post(context.Background(), alert); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"#iraq-watch", "Coalition operations in Anbar, IS leadership", alert.Title, "Military.com · 2025-03-15 09:30 UTC",
		alert.Link, "The **operation** was executed with support from **U.S.-led** **coalition** forces in **Anbar**.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

func TestAnAPIURLWorksWithOrWithoutItsTrailingSlash(t *testing.T) {
	for _, in := range []string{"http://127.0.0.1:9999/api", "http://127.0.0.1:9999/api/"} {
		if got := APIBase(in); got != "http://127.0.0.1:9999/api/" {
			t.Errorf("APIBase(%q) = %q", in, got)
		}
	}
}

// Slack would turn a bare URL or #channel in feed text into a link, and
// _x_ into italics: every text object is verbatim and the markup inert.
func TestFeedTextIsSentVerbatimAndItsMarkupIsInert(t *testing.T) {
	a := alert
	a.Title = "Read _this_ ~now~ at https://evil.example/x and join #general `rm -rf`"
	a.Snippet = article.Snippet{Text: "Mail _them_ at ops@evil.example or #random", Hits: []article.Span{{Start: 0, End: 4}}}
	for _, m := range []article.Message{a, article.Reply{Alert: a, ThreadTS: "1.2"}, article.Digest{Channel: "#iraq", Rule: "r", Items: []article.DigestItem{{Title: a.Title, Link: a.Link}}},
		article.Notice{Channel: "#ops", Event: article.FeedFailing, Feed: "Wire", Err: "GET https://evil.example: 500 #general"}} {
		raw, err := json.Marshal(Render(m).Blocks)
		if err != nil {
			t.Fatal(err)
		}
		var blocks []map[string]any
		json.Unmarshal(raw, &blocks)
		var objects []map[string]any
		for _, b := range blocks {
			if txt, ok := b["text"].(map[string]any); ok {
				objects = append(objects, txt)
			}
			if els, ok := b["elements"].([]any); ok {
				for _, e := range els {
					objects = append(objects, e.(map[string]any))
				}
			}
		}
		for _, o := range objects {
			if o["verbatim"] != true {
				t.Errorf("%T: a text object is not verbatim: %v", m, o)
			}
			if s, _ := o["text"].(string); strings.Contains(s, "_this_") || strings.Contains(s, "~now~") || strings.Contains(s, "`rm") || strings.Contains(s, "_them_") {
				t.Errorf("%T: feed text keeps its markup: %q", m, s)
			}
		}
	}
}
