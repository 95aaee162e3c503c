package interact

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// TestARefusedAppTokenIsToldOncePerOutage: the ops channel hears of a
// refused app token once while it stays refused; once Slack accepts it
// again the listener is heard from, and a later refusal is told again.
func TestARefusedAppTokenIsToldOncePerOutage(t *testing.T) {
	fake := fakeslack.New(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set, err := rules.LoadDir(filepath.Join("..", "..", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Slack.Token, cfg.Slack.AppToken, cfg.Slack.APIURL, cfg.Slack.OpsChannel = "xoxb-test", fakeslack.AppToken, fake.URL+"/", "#ops"
	l := New(&cfg, Deps{Store: st, Rules: func() *rules.Set { return set }, Failing: func() []string { return nil }, RetryRefused: 100 * time.Millisecond})
	notices := func() int {
		ds, _ := st.Due(context.Background(), 100)
		n := 0
		for _, d := range ds {
			if no, ok := d.Message.(article.Notice); ok && no.Event == article.SocketRefused {
				n++
			}
		}
		return n
	}
	fake.RefuseAppToken("invalid_auth")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	fake.WaitOpens(t, 3) // refused three times…
	if n := notices(); n != 1 || !strings.Contains(l.Problem(), "the app token is refused (invalid_auth)") {
		t.Fatalf("%d notices (want 1 for the whole outage); problem %q", n, l.Problem())
	}
	fake.RefuseAppToken("")
	fake.WaitConnected(t, 1)
	testutil.Eventually(t, 5*time.Second, "the listener heard", func() bool { return l.Problem() == "" })
	fake.RefuseAppToken("token_revoked")
	fake.Drop()
	testutil.Eventually(t, 10*time.Second, "the second refusal told", func() bool { return notices() == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
