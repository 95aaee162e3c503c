package daemon_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
)

// reload applies a copy of the harness configuration changed by edit, with
// the parts Reload needs built from it.
func (h *harness) reload(t *testing.T, edit func(*config.Config)) error {
	t.Helper()
	next := *h.cfg
	next.Feeds = append([]config.Feed(nil), h.cfg.Feeds...)
	edit(&next)
	return h.p.Reload(context.Background(), &next)
}

func TestAReloadKeepsTheMetricsCountingAndPollsOnlyANewFeed(t *testing.T) {
	t.Parallel()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	second := newFeedServer(t, rss(at(anbarBridge, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Schedule = "0 0 1 1 *" // no scheduled poll during the test: the counts are exact
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()
	eventually(t, "the first alert", func() bool { return len(h.slack.Accepted()) == 1 })
	base := "http://" + h.d.Addr()
	eventually(t, "one fetch counted", func() bool {
		_, m := get(t, base+"/metrics")
		return strings.Contains(m, `feedwatch_fetches_total{result="ok"} 1`)
	})

	if err := h.reload(t, func(c *config.Config) {
		c.Feeds = append(c.Feeds, config.Feed{Name: "Second wire", URL: second.URL})
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new feed's fetch counted on top of the first", func() bool {
		_, m := get(t, base+"/metrics")
		return strings.Contains(m, `feedwatch_fetches_total{result="ok"} 2`)
	})
	if base != "http://"+h.d.Addr() {
		t.Errorf("the endpoints moved from %s to %s though server.listen did not change", base, h.d.Addr())
	}
	_, m := get(t, base+"/metrics")
	if !strings.Contains(m, `feedwatch_deliveries_total{result="sent"} 1`) {
		t.Errorf("the sent counter restarted: %s", grepLines(m, "feedwatch_deliveries_total"))
	}
	if wire.hitCount() != 1 {
		t.Errorf("the unchanged feed was fetched %d times; a reload must not re-poll it", wire.hitCount())
	}
}

func TestAReloadThatCannotApplyKeepsTheDaemonAsItWas(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	wire := newFeedServer(t, rss(at(leaderKilled, time.Now().Add(-time.Hour))))
	cfg := testConfig(t, config.Feed{Name: "Test wire", URL: wire.URL})
	cfg.Server.Listen = "127.0.0.1:0"
	h := newHarness(t, cfg)
	stop := running(t, h)
	defer stop()
	eventually(t, "the endpoints", func() bool { return h.d.Addr() != "" })
	addr := h.d.Addr()
	eventually(t, "ready", func() bool { code, _ := get(t, "http://"+addr+"/readyz"); return code == http.StatusOK })

	for _, c := range []struct {
		name, want string
		edit       func(*config.Config)
	}{
		{"a listen address in use", "address already in use", func(c *config.Config) {
			c.Server.Listen = busy.Addr().String()
			c.Feeds = nil
		}},
		{"another database", "restart feedwatch", func(c *config.Config) {
			c.Storage.Path += ".other"
			c.Feeds = nil
		}},
		{"a schedule that does not parse", `feed "Bad"`, func(c *config.Config) {
			c.Feeds = append(c.Feeds, config.Feed{Name: "Bad", URL: wire.URL, Schedule: "CRON_TZ=UTC"})
		}},
	} {
		err := h.reload(t, c.edit)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: reload error %v, want it to say %q", c.name, err, c.want)
		}
		if h.d.Addr() != addr {
			t.Errorf("%s: the endpoints moved to %s", c.name, h.d.Addr())
		}
		if code, _ := get(t, "http://"+addr+"/readyz"); code != http.StatusOK {
			t.Errorf("%s: the daemon is not ready after a refused reload (%d)", c.name, code)
		}
	}
	eventually(t, "the alert, from the configuration still in force", func() bool { return len(h.slack.Accepted()) == 1 })
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
