package feed

import (
	"errors"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		interval   time.Duration
		failures   int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"the first failure waits for the next regular poll", 5 * time.Minute, 1, 0, 0},
		{"the second doubles the interval", 5 * time.Minute, 2, 0, 10 * time.Minute},
		{"the fifth waits sixteen intervals", 5 * time.Minute, 5, 0, 80 * time.Minute},
		{"no more than sixteen intervals", 5 * time.Minute, 9, 0, 80 * time.Minute},
		{"no more than six hours", time.Hour, 9, 0, 6 * time.Hour},
		{"a longer Retry-After wins, even on the first failure", 5 * time.Minute, 1, 2 * time.Hour, 2 * time.Hour},
		{"a shorter Retry-After does not shorten the backoff", 5 * time.Minute, 3, time.Minute, 20 * time.Minute},
		{"a Retry-After of a week is capped at a day", 5 * time.Minute, 1, 7 * 24 * time.Hour, 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Backoff(c.interval, c.failures, c.retryAfter); got != c.want {
				t.Errorf("Backoff(%s, %d, %s) = %s, want %s", c.interval, c.failures, c.retryAfter, got, c.want)
			}
		})
	}
}

func TestAFeedStateRemembersFailuresUntilASuccess(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	st := article.FeedState{Name: "Wire", URL: "https://old.example/rss", ETag: `"e1"`, LastSuccess: now.Add(-time.Hour)}
	if v := ValidatorsFor(st, "https://new.example/rss"); v.ETag != "" {
		t.Error("validators of another URL were sent")
	}
	st = Failed(st, "https://old.example/rss", &HTTPError{Status: 429, RetryAfter: time.Hour}, 5*time.Minute, now)
	st = Failed(st, "https://old.example/rss", errors.New("HTTP 503"), 5*time.Minute, now)
	if st.Failures != 2 || st.LastError != "HTTP 503" || !st.NextDue.Equal(now.Add(10*time.Minute)) || !st.LastSuccess.Equal(now.Add(-time.Hour)) {
		t.Errorf("after two failures: %+v", st)
	}
	st = Succeeded(st, "https://old.example/rss", Validators{ETag: `"e2"`}, now)
	if st.Failures != 0 || st.LastError != "" || !st.NextDue.IsZero() || st.ETag != `"e2"` || !st.LastSuccess.Equal(now) {
		t.Errorf("after a success: %+v", st)
	}
}
