package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestAFeedsLoginHeadersAndUserAgentAreSentAndNeverShown: a feed's
// basic_auth (password from a file), headers (a value from ${VAR}) and
// user_agent go with its requests, not with another feed's, and not to
// the host a redirect leads to; config and errors never show them.
func TestAFeedsLoginHeadersAndUserAgentAreSentAndNeverShown(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]http.Header{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["redirected"] = r.Header.Clone()
		mu.Unlock()
		w.Write([]byte(`<rss version="2.0"><channel><title>O</title></channel></rss>`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Clone()
		mu.Unlock()
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/feed", http.StatusFound) // another host
			return
		}
		if u, p, ok := r.BasicAuth(); r.URL.Path == "/private" && (!ok || u != "analyst" || p != "Feed-Pass-9") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`<rss version="2.0"><channel><title>P</title><item><guid>1</guid><title>Raid in Ramadi</title></item></channel></rss>`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "password"), []byte("Feed-Pass-9\n"), 0o600)
	os.Mkdir(filepath.Join(dir, "rules"), 0o755)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`server: {listen: ""}
feeds:
  - name: Private
    url: `+srv.URL+`/private
    user_agent: Mozilla/5.0 (compatible; newsroom)
    headers: {X-Api-Key: "${WIRE_KEY}"}
    basic_auth: {username: analyst, password_file: password}
  - name: Public
    url: `+srv.URL+`/public
  - name: Moved
    url: `+srv.URL+`/moved
    basic_auth: {username: analyst, password_file: password}
`), 0o644)
	env := map[string]string{"WIRE_KEY": "Key-Value-77"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out, errb syncBuffer
	if code := run(context.Background(), []string{"once", "--config", cfg}, strings.NewReader(""), &out, &errb, lookup); code != 0 {
		t.Fatalf("once exited %d:\n%s%s", code, out.String(), errb.String())
	}
	mu.Lock()
	p, pub, moved, redirected := seen["/private"], seen["/public"], seen["/moved"], seen["redirected"]
	mu.Unlock()
	if p.Get("X-Api-Key") != "Key-Value-77" || p.Get("User-Agent") != "Mozilla/5.0 (compatible; newsroom)" || p.Get("Authorization") == "" {
		t.Errorf("the private feed's request: %v", p)
	}
	if pub.Get("X-Api-Key") != "" || pub.Get("Authorization") != "" || !strings.HasPrefix(pub.Get("User-Agent"), "feedwatch/") {
		t.Errorf("another feed's request carries them: %v", pub)
	}
	if moved.Get("Authorization") == "" || redirected == nil || redirected.Get("Authorization") != "" {
		t.Errorf("the login went to the host a redirect led to: %v", redirected)
	}
	var shown syncBuffer
	run(context.Background(), []string{"config", "--config", cfg}, strings.NewReader(""), &shown, &errb, lookup)
	for _, secret := range []string{"Key-Value-77", "Feed-Pass-9"} {
		if strings.Contains(out.String()+shown.String()+errb.String(), secret) {
			t.Errorf("%s shows:\n%s%s%s", secret, out.String(), shown.String(), errb.String())
		}
	}
	if !strings.Contains(shown.String(), "feeds[0].headers:") || !strings.Contains(shown.String(), "X-Api-Key: [redacted]") {
		t.Errorf("config should name the header and redact its value:\n%s", shown.String())
	}
}
