package delivery

import (
	"errors"
	"testing"
	"time"
)

type fakeErr struct {
	msg   string
	perm  bool
	after time.Duration
}

func (e fakeErr) Error() string             { return e.msg }
func (e fakeErr) Permanent() bool           { return e.perm }
func (e fakeErr) RetryAfter() time.Duration { return e.after }

func TestDecide(t *testing.T) {
	t.Parallel()
	p := Policy{First: 5 * time.Second, Max: 15 * time.Minute, GiveUpAfter: 24 * time.Hour}
	for _, c := range []struct {
		name     string
		err      error
		attempts int
		age      time.Duration
		action   Action
		delay    time.Duration
		reason   string
	}{
		{"a network error is retried after the first delay", errors.New("connection refused"), 0, time.Minute, Retry, 5 * time.Second, "connection refused"},
		{"each failed attempt doubles the delay", errors.New("HTTP 503"), 3, time.Minute, Retry, 40 * time.Second, "HTTP 503"},
		{"the delay stops growing at the maximum", errors.New("HTTP 503"), 12, time.Hour, Retry, 15 * time.Minute, "HTTP 503"},
		{"a huge attempt count does not overflow", errors.New("HTTP 503"), 1000, time.Hour, Retry, 15 * time.Minute, "HTTP 503"},
		{"a permanent error is given up at once", fakeErr{msg: "channel_not_found", perm: true}, 0, 0, GiveUp, 0, "channel_not_found"},
		{"a rate limit waits as asked, not counted", fakeErr{msg: "429", after: 30 * time.Second}, 5, time.Minute, Wait, 30 * time.Second, "429"},
		{"a rate limit is honoured even past give_up_after", fakeErr{msg: "429", after: time.Second}, 0, 48 * time.Hour, Wait, time.Second, "429"},
		{"a message older than give_up_after is given up", errors.New("HTTP 500"), 40, 25 * time.Hour, GiveUp, 0, "gave up after 24h0m0s: HTTP 500"},
		{"a wrapped permanent error is recognised", wrap(fakeErr{msg: "invalid_auth", perm: true}), 0, 0, GiveUp, 0, "post: invalid_auth"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Decide(c.err, c.attempts, c.age, p)
			if got.Action != c.action || got.Delay != c.delay || got.Reason != c.reason {
				t.Errorf("Decide = %+v, want action %d delay %s reason %q", got, c.action, c.delay, c.reason)
			}
		})
	}
}

func wrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "post: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestJitterStaysWithinHalfAndWhole(t *testing.T) {
	t.Parallel()
	for range 1000 {
		if d := jitter(10 * time.Second); d < 5*time.Second || d > 10*time.Second {
			t.Fatalf("jitter(10s) = %s", d)
		}
	}
	p := Policy{First: time.Second, Max: time.Minute, GiveUpAfter: time.Hour, Jitter: func(d time.Duration) time.Duration { return d / 2 }}
	if got := Decide(errors.New("x"), 1, 0, p); got.Delay != time.Second {
		t.Errorf("the policy's jitter was not applied: delay %s, want 1s (half of 2s)", got.Delay)
	}
}
