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
	t.Parallel()
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

	eventually(t, "the start-up poll's alert", func() bool { return len(h.slack.Accepted()) > 0 })
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

func TestAHangingFeedDoesNotDelayAnotherFeedsAlertAndIsCutOffAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	defer close(hang)
	cutOff := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
			close(cutOff)
		}
	}))
	defer hanging.Close()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Hanging", URL: hanging.URL}, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Fetch.Timeout = config.Duration(time.Hour) // only the grace period can end the hanging fetch
	cfg.Server.Listen = ""
	h := newHarness(t, cfg)
	h.grace = 100 * time.Millisecond
	h.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	eventually(t, "the healthy feed's alert while the other hangs", func() bool { return len(h.slack.Accepted()) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Run has returned: the client side is closed; the server sees it soon.
	eventually(t, "the hanging fetch cut off by the end of the grace period", func() bool {
		select {
		case <-cutOff:
			return true
		default:
			return false
		}
	})
}
