package secret

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretsAreRedactedByWhatTheyAre(t *testing.T) {
	t.Parallel()
	for in, leak := range map[string]string{
		`post "https://hooks.slack.com/services/T000/B000/very-secret": dial tcp`: "very-secret",
		`Post "HTTP://HOOKS.SLACK.COM/services/T000/B000/Very-Secret": EOF`:       "Very-Secret",
		`webhook https://proxy.internal:8443/services/T1/B2/abcdef failed`:        "abcdef",
		`invalid URL: parse "https://user:hunter2@feeds.example/rss": bad port`:   "hunter2",
		`token xoxb-1234-5678-AbCdEf rejected`:                                    "AbCdEf",
		`user token xoxp-99-88-77 and app token xapp-1-A2-B3`:                     "xapp-1-A2-B3",
		`ftp://anonymous:me%40example.org@files.example/`:                         "me%40example.org",
	} {
		got := Redact(in)
		if strings.Contains(got, leak) || !strings.Contains(got, Mask) {
			t.Errorf("Redact(%q) = %q: %q leaks", in, got, leak)
		}
	}
	if got := Redact("a secret spelled with a space: MY-SECRET-WEBHOOK x", "my-secret-webhook"); strings.Contains(got, "MY-SECRET") {
		t.Errorf("a known secret in another case leaks: %q", got)
	}
	for _, keep := range []string{"https://www.military.com/daily-news/x.html", "HTTP 503 Service Unavailable", "feed \"Wire\" failed"} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact(%q) = %q: changed text that holds no secret", keep, got)
		}
	}
}

func TestLogsCarryNoSecret(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil), "configured-secret-value"))
	log = log.With("url", "https://u:pw1@x.example/")
	log.Error("post https://hooks.slack.com/services/T/B/msgsecret failed",
		"err", errors.New(`Post "https://hooks.slack.com/services/T/B/errsecret": EOF`),
		"token", "xoxb-1-2-tokensecret", "other", "CONFIGURED-SECRET-VALUE",
		slog.Group("g", "inner", "xoxp-9-groupsecret"))
	for _, leak := range []string{"pw1", "msgsecret", "errsecret", "tokensecret", "CONFIGURED-SECRET", "groupsecret"} {
		if strings.Contains(buf.String(), leak) {
			t.Errorf("the log leaks %q:\n%s", leak, buf.String())
		}
	}
}
