package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/testutil"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, what, cond)
}

func TestSIGTERMStopsRunWithExit0AndNothingLost(t *testing.T) {
	cfg := demo(t)
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	}()
	waitFor(t, "the alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, errb.String())
		}
	case <-time.After(12 * time.Second):
		t.Fatal("run did not stop within the grace period")
	}
	code, status, _ := runCmd(t, context.Background(), "status", "--config", cfg)
	if code != exitOK || !strings.Contains(status, "Deliveries: 1 sent, 0 pending, 0 failed") {
		t.Errorf("after SIGTERM: %s", status)
	}
}

func TestSIGHUPReloadsTheConfigAndABrokenOneKeepsTheDaemonRunning(t *testing.T) {
	cfgPath := demo(t)
	dir := filepath.Dir(cfgPath)
	second := `<rss version="2.0"><channel><title>Second</title><item><guid>s-1</guid><title>Daesh emir captured in Haditha raid</title>
<description>Iraqi forces captured an Islamic State emir near Haditha.</description><pubDate>Sat, 15 Mar 2025 10:00:00 GMT</pubDate></item></channel></rss>`
	if err := os.WriteFile(filepath.Join(dir, "second.xml"), []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	original, _ := os.ReadFile(cfgPath)

	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runWithHUP(ctx, []string{"run", "--config", cfgPath}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false }, hup)
	}()
	waitFor(t, "the first alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })

	os.WriteFile(cfgPath, []byte("backfill: [not a duration\n"), 0o644)
	hup <- syscall.SIGHUP
	waitFor(t, "the reload error", func() bool {
		return strings.Contains(errb.String(), "configuration not reloaded: keeping the one in force")
	})

	os.WriteFile(cfgPath, append(original, []byte("\n  - name: Second wire\n    url: file:second.xml\n")...), 0o644)
	hup <- syscall.SIGHUP
	waitFor(t, "the second feed's alert", func() bool { return strings.Contains(out.String(), "Daesh emir captured in Haditha raid") })
	if n := strings.Count(out.String(), "Abu Khadija,"); n != 1 {
		t.Errorf("the first alert was posted %d times across the reload", n)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d:\n%s", code, errb.String())
	}
}
