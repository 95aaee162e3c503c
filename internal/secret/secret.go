// Package secret keeps secrets out of everything feedwatch writes: logs,
// errors, stored error texts and command output. It redacts secrets by
// what they look like, not only by the exact configured string: Slack
// tokens, Slack webhook URLs however they are spelled, and the password of
// any URL. It imports nothing of feedwatch.
package secret

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "[redacted]"

var patterns = []struct {
	re   *regexp.Regexp
	with string
}{
	// Slack tokens: bot, user, app, config and refresh tokens.
	{regexp.MustCompile(`\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+|\bxoxe(\.xox[a-z])?-[A-Za-z0-9-]+`), Mask},
	// Incoming webhooks, in any case and with any host in front
	// (hooks.slack.com, a proxy): the path holds the secret.
	{regexp.MustCompile(`(?i)\b(https?://[^\s"'<>/]+)/services/[^\s"'<>]+`), "${1}/services/" + Mask},
	// A password in any URL: scheme://user:password@host.
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@"'<>]*):[^\s/@"'<>]*@`), "${1}:" + Mask + "@"},
	// A password as a parameter: a PostgreSQL URL's ?password=… or a
	// connection string's password=….
	{regexp.MustCompile(`(?i)\b(password=)[^\s&'"]+`), "${1}" + Mask},
}

// Redact removes from s every secret it can recognise, and every one of
// known (the configured token and webhook URL), in any letter case.
func Redact(s string, known ...string) string {
	for _, k := range known {
		if k = strings.TrimSpace(k); len(k) >= 8 {
			s = replaceFold(s, k, Mask)
		}
	}
	for _, p := range patterns {
		s = p.re.ReplaceAllString(s, p.with)
	}
	return s
}

// replaceFold replaces every occurrence of old in s, ignoring case.
func replaceFold(s, old, with string) string {
	lower, lold := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) || !strings.Contains(lower, lold) {
		return strings.ReplaceAll(s, old, with)
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lold)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(with)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// Handler wraps a log handler so that no record it writes carries a
// secret: the message and every string, error or Stringer attribute are
// redacted.
type Handler struct {
	slog.Handler
	known []string
}

// NewHandler wraps h; known are the configured secrets.
func NewHandler(h slog.Handler, known ...string) *Handler { return &Handler{h, known} }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Redact(r.Message, h.known...), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String(), h.known...))
	case slog.KindGroup:
		var as []any
		for _, g := range v.Group() {
			as = append(as, h.attr(g))
		}
		return slog.Group(a.Key, as...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(x.Error(), h.known...))
		case interface{ String() string }:
			return slog.String(a.Key, Redact(x.String(), h.known...))
		case []string:
			return slog.String(a.Key, Redact(strings.Join(x, ", "), h.known...))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return &Handler{h.Handler.WithAttrs(out), h.known}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{h.Handler.WithGroup(name), h.known}
}
