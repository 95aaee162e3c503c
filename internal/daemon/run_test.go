package daemon_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestRunDeliversBecomesReadyAndStopsGracefully(t *testing.T) {
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Server.Listen = ""
	h := newHarness(t, cfg)
	srv := httptest.NewServer(h.d.Handler())
	defer srv.Close()

	if code, body := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "scheduler: not running") {
		t.Errorf("before Run: /readyz = %d %q", code, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for len(h.slack.Accepted()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(h.slack.Accepted()); n != 1 {
		t.Fatalf("start-up poll delivered %d posts, want 1", n)
	}
	if code, body := get(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("running: /readyz = %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return within the grace period")
	}
}

func TestAHangingFeedDoesNotDelayAnotherFeedsAlert(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Hanging", URL: hanging.URL}, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Fetch.Timeout = config.Duration(20 * time.Second)
	cfg.Server.Listen = ""
	h := newHarness(t, cfg)
	h.grace = time.Second
	h.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- h.d.Run(ctx) }()
	for len(h.slack.Accepted()) == 0 && time.Since(start) < 10*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); len(h.slack.Accepted()) != 1 || took > 3*time.Second {
		t.Errorf("the healthy feed's alert took %s (posts: %d) while another feed hung", took, len(h.slack.Accepted()))
	}
	cancel()
	stopping := time.Now()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(stopping); took < time.Second || took > 3*time.Second {
		t.Errorf("stopping took %s; want the hanging fetch cut off after the 1 s grace period", took)
	}
}
