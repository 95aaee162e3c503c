package config

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/cronspec"
)

// validateStorage checks which database, and the leases on it.
func (c *Config) validateStorage(bad func(field, format string, args ...any)) {
	switch c.Storage.Driver {
	case "sqlite":
		if c.Storage.Path == "" {
			bad("storage.path", "must not be empty")
		}
	case "postgres":
		if !strings.HasPrefix(string(c.Storage.URL), "postgres://") && !strings.HasPrefix(string(c.Storage.URL), "postgresql://") {
			bad("storage.url", "must be a PostgreSQL URL, postgres://host:5432/database with the user and password it needs (or set FEEDWATCH_DATABASE_URL), not %q", c.Storage.URL.String())
		}
	default:
		bad("storage.driver", "must be sqlite or postgres, not %q", c.Storage.Driver)
	}
	if c.Storage.Lease < Duration(10*time.Second) || c.Storage.Lease <= c.Fetch.Timeout {
		bad("storage.lease", "must be at least 10s and longer than fetch.timeout (%s), not %s", c.Fetch.Timeout, c.Storage.Lease)
	}
}

// Validate checks every field and returns every problem, each naming its
// field path.
func (c *Config) Validate() []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
	}
	if _, err := cronspec.Parse(c.Schedule); err != nil {
		bad("schedule", "%v", err)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		bad("timezone", "unknown time zone %q (use an IANA name such as UTC or Europe/Paris)", c.Timezone)
	}
	if c.RulesDir == "" {
		bad("rules_dir", "must not be empty")
	}
	if c.Backfill < 0 {
		bad("backfill", "must not be negative")
	}
	if c.MaxAge <= 0 {
		bad("max_age", "must be positive")
	}
	c.validateStorage(bad)
	if c.Storage.Retention <= 0 {
		bad("storage.retention", "must be positive")
	}
	if c.Fetch.Concurrency < 1 || c.Fetch.Concurrency > 256 {
		bad("fetch.concurrency", "must be between 1 and 256, not %d", c.Fetch.Concurrency)
	}
	if c.Fetch.Timeout <= 0 {
		bad("fetch.timeout", "must be positive")
	}
	if c.Fetch.MaxBody <= 0 {
		bad("fetch.max_body", "must be positive")
	}
	c.validateSlack(bad)
	if c.Server.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Server.Listen); err != nil {
			bad("server.listen", "%q is not host:port (empty turns the server off)", c.Server.Listen)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("server.listen", "%q: the port must be a number from 0 to 65535", c.Server.Listen)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "must be text or json, not %q", c.Log.Format)
	}
	c.validateFeeds(bad)
	return errs
}

// validateFeeds checks every feed: a unique name, a fetchable URL, a
// schedule that parses, no empty tag.
func (c *Config) validateFeeds(bad func(field, format string, args ...any)) {
	names := map[string]int{}
	for i, f := range c.Feeds {
		p := fmt.Sprintf("feeds[%d]", i)
		if strings.TrimSpace(f.Name) == "" {
			bad(p+".name", "every feed needs a name")
		} else if j, dup := names[strings.ToLower(f.Name)]; dup {
			bad(p+".name", "%q is also the name of feeds[%d]", f.Name, j)
		} else {
			names[strings.ToLower(f.Name)] = i
		}
		u, err := url.Parse(f.URL)
		switch {
		case f.URL == "":
			bad(p+".url", "every feed needs a url")
		case err != nil:
			bad(p+".url", "invalid URL: %v", err)
		case u.Scheme == "http" || u.Scheme == "https":
			if u.Host == "" {
				bad(p+".url", "%q has no host", f.URL)
			}
		case u.Scheme == "file":
			if u.Path == "" {
				bad(p+".url", "%q has no path", f.URL)
			}
		default:
			bad(p+".url", "scheme must be http, https or file, not %q", u.Scheme)
		}
		if f.Schedule != "" {
			if _, err := cronspec.Parse(f.Schedule); err != nil {
				bad(p+".schedule", "%v", err)
			}
		}
		c.validateRequest(p, f, bad)
		if _, err := time.LoadLocation(f.Timezone); f.Timezone != "" && err != nil {
			bad(p+".timezone", "unknown time zone %q (use an IANA name such as Asia/Baghdad)", f.Timezone)
		}
		for k, t := range f.Tags {
			if strings.TrimSpace(t) == "" {
				bad(fmt.Sprintf("%s.tags[%d]", p, k), "empty tag")
			}
		}
	}
}

// slackID is a user (U…, W…) or user-group (S…) ID.
var slackID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)

func (c *Config) validateSlack(bad func(field, format string, args ...any)) {
	s := c.Slack
	if s.Token != "" && s.WebhookURL != "" {
		bad("slack.token", "set either slack.token (bot token) or slack.webhook_url, not both")
	}
	if s.Token != "" && !strings.HasPrefix(s.Token.Reveal(), "xox") {
		bad("slack.token", "does not look like a Slack token (it should start with xoxb-)")
	}
	if s.AppToken != "" && !strings.HasPrefix(s.AppToken.Reveal(), "xapp-") {
		bad("slack.app_token", "does not look like an app-level token (it should start with xapp-; create one under Basic Information → App-Level Tokens)")
	}
	if s.AppToken != "" && s.Token == "" {
		bad("slack.app_token", "needs slack.token too: buttons and /feedwatch answer with the bot token")
	}
	for i, id := range s.Interact.Allow {
		if !slackID.MatchString(id) {
			bad(fmt.Sprintf("slack.interact.allow[%d]", i), "%q is not a Slack user ID (U…, W…) or user-group ID (S…)", id)
		}
	}
	if s.WebhookURL != "" {
		if u, err := url.Parse(s.WebhookURL.Reveal()); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("slack.webhook_url", "is not an http(s) URL")
		}
	}
	if !article.IsChannel(s.Channel) {
		bad("slack.channel", "%q is not a channel: use #name (lower case) or a channel ID such as C0123456789", s.Channel)
	}
	if s.OpsChannel != "" && !article.IsChannel(s.OpsChannel) {
		bad("slack.ops_channel", "%q is not a channel: use #name or a channel ID", s.OpsChannel)
	}
	if s.APIURL != "" {
		if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("slack.api_url", "%q is not an http(s) URL", s.APIURL)
		}
	}
	if s.SilenceNotices != "" && s.SilenceNotices != "ops" && s.SilenceNotices != "channel" {
		bad("slack.silence_notices", "must be ops or channel, not %q", s.SilenceNotices)
	}
	if s.GroupWait < 0 || s.GroupWait > Duration(time.Minute) {
		bad("slack.group_wait", "must be between 0 and 1m, not %s", s.GroupWait)
	}
	if s.FloodAfter < 1 || s.FloodAfter > 1000 {
		bad("slack.flood_after", "must be between 1 and 1000, not %d", s.FloodAfter)
	}
	if s.GiveUpAfter <= 0 {
		bad("slack.give_up_after", "must be positive")
	}
}

// validateRequest checks what a feed adds to its requests: header names
// HTTP allows and none feedwatch must set itself, a login with a user.
func (c *Config) validateRequest(p string, f Feed, bad func(field, format string, args ...any)) {
	for name := range f.Headers {
		switch h := http.CanonicalHeaderKey(name); {
		case !headerName.MatchString(name):
			bad(p+".headers."+name, "is not a valid HTTP header name")
		case h == "Accept-Encoding" || h == "Host" || h == "Content-Length" || h == "If-None-Match" || h == "If-Modified-Since":
			bad(p+".headers."+name, "is set by feedwatch itself (Accept-Encoding would turn off compressed responses; the others carry its conditional requests)")
		case h == "Authorization" && f.BasicAuth != nil:
			bad(p+".headers."+name, "set either an Authorization header or basic_auth, not both")
		}
	}
	if a := f.BasicAuth; a != nil && strings.TrimSpace(a.Username) == "" {
		bad(p+".basic_auth.username", "a login needs a username")
	}
	if strings.ContainsAny(f.UserAgent, "\r\n") {
		bad(p+".user_agent", "must be one line")
	}
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
