package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/secret"
)

// Error is a failed post, with what Slack said about retrying it. The
// outbox reads it through the Permanent, Unauthorized and RetryAfter
// methods.
type Error struct {
	Reason string        // what went wrong, secrets removed
	Final  bool          // retrying this message cannot help (channel_not_found…)
	Auth   bool          // the token itself was refused: no message can go until it is fixed
	Wait   time.Duration // Slack asked to wait this long (429); not a failed attempt
}

// Unauthorized reports whether the token or webhook was refused.
func (e *Error) Unauthorized() bool { return e.Auth }

func (e *Error) Error() string { return e.Reason }

// Permanent reports whether retrying cannot help.
func (e *Error) Permanent() bool { return e.Final }

// ThreadGone reports that the post a reply was sent under is gone (deleted
// in Slack): the reply can only go out as a post of its own.
func (e *Error) ThreadGone() bool { return goneErrors[e.Reason] }

// goneErrors say the parent of a thread reply no longer exists.
var goneErrors = map[string]bool{"thread_not_found": true, "message_not_found": true}

// RetryAfter is how long Slack asked to wait (0: no such request).
func (e *Error) RetryAfter() time.Duration { return e.Wait }

// permanentErrors are Slack API errors that no retry can fix.
var permanentErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "token_expired": true,
	"no_permission": true, "missing_scope": true, "channel_not_found": true, "not_in_channel": true,
	"is_archived": true, "invalid_blocks": true, "invalid_blocks_format": true, "msg_too_long": true,
	"no_text": true, "too_many_attachments": true, "restricted_action": true, "ekm_access_denied": true,
	"invalid_arguments": true, "invalid_arg_name": true, "channel_is_archived": true, "team_access_not_granted": true,
	"invalid_payload": true, "action_prohibited": true, "no_service": true, "no_active_hooks": true,
	"posting_to_general_channel_denied": true, "user_not_found": true,
}

// authErrors say the token is no good: every post would fail the same
// way, so the outbox waits for a fixed token instead of failing them all.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "token_expired": true,
	"no_service": true, "no_active_hooks": true, "team_disabled": true,
}

// classify turns a slack-go error into an *Error, removing secrets.
func classify(err error, secrets ...string) *Error {
	reason := secret.Redact(err.Error(), secrets...)
	var rl *slack.RateLimitedError
	var api slack.SlackErrorResponse
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &rl):
		after := rl.RetryAfter
		if after <= 0 {
			after = time.Second
		}
		return &Error{Reason: reason, Wait: after}
	case errors.As(err, &api):
		return &Error{Reason: api.Err, Final: permanentErrors[api.Err], Auth: authErrors[api.Err]}
	case errors.As(err, &sc):
		// 429 without Retry-After and 5xx are worth retrying; other 4xx are not.
		return &Error{Reason: reason, Final: sc.Code >= 400 && sc.Code < 500 && sc.Code != http.StatusTooManyRequests && sc.Code != http.StatusRequestTimeout}
	}
	return &Error{Reason: reason} // network trouble: retry
}

// Bot posts with a bot token through chat.postMessage.
type Bot struct {
	api     *slack.Client
	token   string
	unfurl  bool
	buttons bool // alerts, replies and digests carry RenderInteractive's buttons
}

// WithButtons makes b post alerts with the buttons analysts answer with
// (RenderInteractive): for a workspace where feedwatch listens over
// Socket Mode.
func (b *Bot) WithButtons() *Bot { b.buttons = true; return b }

// APIBase is apiURL as slack-go needs it: ending in "/".
func APIBase(apiURL string) string {
	if !strings.HasSuffix(apiURL, "/") {
		return apiURL + "/"
	}
	return apiURL
}

// NewBot returns a poster using token. apiURL, when not empty, replaces
// Slack's API base URL (it must end in "/"). client should have a time-out.
func NewBot(token, apiURL string, client *http.Client, unfurl bool) *Bot {
	opts := []slack.Option{slack.OptionHTTPClient(client)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(APIBase(apiURL)))
	}
	return &Bot{api: slack.New(token, opts...), token: token, unfurl: unfurl}
}

// Verify asks Slack whether the token is good (auth.test).
func (b *Bot) Verify(ctx context.Context) error {
	if _, err := b.api.AuthTestContext(ctx); err != nil {
		return classify(err, b.token)
	}
	return nil
}

// Capabilities implements the outbox's transport: a bot posts anywhere it
// is invited, replies in threads, and is paced by Slack.
func (b *Bot) Capabilities() article.Capabilities {
	return article.Capabilities{Threads: true, PerRuleChannels: true, OpsChannel: true, Paced: true}
}

// Post posts m to its channel and returns Slack's message ts.
func (b *Bot) Post(ctx context.Context, m article.Message) (string, error) {
	msg := Render(m)
	if b.buttons {
		msg = RenderInteractive(m, article.Marks{}, time.Now())
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
	}
	if !b.unfurl {
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	}
	if r, ok := m.(article.Reply); ok {
		opts = append(opts, slack.MsgOptionTS(r.ThreadTS))
	}
	_, ts, err := b.api.PostMessageContext(ctx, m.Target(), opts...)
	if err != nil && tooBig(err) {
		// Slack refused the blocks: the same message as plain text, cut to
		// what a message holds, rather than nothing.
		opts[0], opts[1] = slack.MsgOptionText(plainFallback(m), false), slack.MsgOptionBlocks()
		_, ts, err = b.api.PostMessageContext(ctx, m.Target(), opts...)
	}
	if err != nil {
		return "", classify(err, b.token)
	}
	return ts, nil
}

// tooBig reports Slack refusing a message for its blocks or its length.
func tooBig(err error) bool {
	var api slack.SlackErrorResponse
	return errors.As(err, &api) && (api.Err == "invalid_blocks" || api.Err == "msg_too_long" || api.Err == "invalid_blocks_format")
}

// plainFallback is m as text without blocks, within one message's limit:
// the notification text (mentions, rules, headline, outlet) and the link;
// for a digest, a line per article.
func plainFallback(m article.Message) string {
	text := Render(m).Text
	link := func(l string) string {
		if u := safeURL(l); u != "" && len(u) <= MaxLink {
			return "\n" + u
		}
		return ""
	}
	switch m := m.(type) {
	case article.Alert:
		text += link(m.Link)
	case article.Reply:
		text += link(m.Link)
	case article.Digest:
		for _, it := range m.Items {
			line := "\n• " + escape(stripMarkup(headline(it.Title))) + link(it.Link)
			if utf8.RuneCountInString(text+line) > MaxText {
				break
			}
			text += line
		}
	}
	return text
}

// Webhook posts to an incoming webhook: one fixed channel, no ts.
type Webhook struct {
	url    string
	client *http.Client
	unfurl bool
}

// NewWebhook returns a poster for the webhook URL; client must have a
// time-out (slack-go's plain PostWebhook has none).
func NewWebhook(webhookURL string, client *http.Client, unfurl bool) *Webhook {
	return &Webhook{url: webhookURL, client: client, unfurl: unfurl}
}

// Capabilities implements the outbox's transport: a webhook posts to its
// one channel, cannot reply in threads and returns no ts.
func (w *Webhook) Capabilities() article.Capabilities {
	return article.Capabilities{Paced: true}
}

// Post posts m to the webhook's channel.
func (w *Webhook) Post(ctx context.Context, m article.Message) (string, error) {
	msg := Render(m)
	unfurl := w.unfurl
	err := slack.PostWebhookCustomHTTPContext(ctx, w.url, w.client, &slack.WebhookMessage{
		Text:        msg.Text,
		Blocks:      &slack.Blocks{BlockSet: msg.Blocks},
		UnfurlLinks: &unfurl,
		UnfurlMedia: &unfurl,
	})
	if err != nil {
		return "", classify(err, w.url)
	}
	return "", nil
}

// Console prints alerts in readable form, for running without Slack.
type Console struct {
	mu sync.Mutex
	w  io.Writer
	n  int // messages printed, for a ts that thread replies can refer to
}

// NewConsole returns a poster that writes to w.
func NewConsole(w io.Writer) *Console { return &Console{w: w} }

// Capabilities implements the outbox's transport: the console shows
// every channel and thread, and printing needs no pacing.
func (c *Console) Capabilities() article.Capabilities {
	return article.Capabilities{Threads: true, PerRuleChannels: true, OpsChannel: true}
}

// Post prints m.
func (c *Console) Post(_ context.Context, m article.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintln(c.w, Plain(m)); err != nil {
		return "", &Error{Reason: err.Error()}
	}
	c.n++
	return fmt.Sprintf("console.%d", c.n), nil
}
