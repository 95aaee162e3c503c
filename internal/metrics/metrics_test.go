package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestReloadsFeedsAndTheBuildAreVisible(t *testing.T) {
	m := New(func(context.Context) (int, error) { return 3, nil })
	m.Fetched("Wire", "ok")
	m.Fetched("Wire", "error")
	m.ConfigReloaded(false)
	out := scrape(t, m)
	for _, want := range []string{
		`feedwatch_feed_fetches_total{feed="Wire",result="ok"} 1`,
		`feedwatch_feed_fetches_total{feed="Wire",result="error"} 1`,
		`feedwatch_config_last_reload_successful 0`,
		`feedwatch_outbox_pending 3`,
		`feedwatch_build_info{`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	m.ConfigReloaded(true)
	if !strings.Contains(scrape(t, m), `feedwatch_config_last_reload_successful 1`) {
		t.Error("a good reload does not show")
	}
}
