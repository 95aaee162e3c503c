package daemon_test

import (
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
)

func TestARefusedTokenHoldsEveryAlertUntilItIsAcceptedAndFailsNone(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Server.Listen = "127.0.0.1:0"
	logs := &lockedBuffer{}
	h := newHarnessFrom(t, &harness{cfg: cfg, logs: logs})
	h.slack.RefuseToken("invalid_auth")
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	readyz := "http://" + h.d.Addr() + "/readyz"
	eventually(t, "/readyz saying the token is refused", func() bool {
		code, body := get(t, readyz)
		return code == 503 && strings.Contains(body, "slack: the token is refused (invalid_auth)") && !strings.Contains(body, "scheduler: not running")
	})
	if !strings.Contains(logs.String(), `level=ERROR msg="Slack refused the token`) {
		t.Errorf("no ERROR logged:\n%s", logs.String())
	}
	if n := len(h.slack.Accepted()); n != 0 {
		t.Fatalf("%d posts accepted with a refused token", n)
	}
	// A reload with the fixed token (here: Slack accepts it again) posts
	// what was held; nothing was failed meanwhile.
	h.slack.RefuseToken("")
	if err := h.reload(t, func(*config.Config) {}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the held alert", func() bool { return len(h.slack.Accepted()) == 1 })
	counts, _ := h.store.DeliveryCounts(t.Context())
	if counts[article.Failed] != 0 {
		t.Errorf("%d deliveries failed while the token was refused", counts[article.Failed])
	}
	eventually(t, "ready", func() bool { code, _ := get(t, readyz); return code == 200 })
}
