package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/testutil"
)

// An operator moves a SQLite installation to PostgreSQL as docs/deploy.md
// says: once on SQLite alerts; migrate --from-sqlite copies it; once on
// PostgreSQL then finds nothing new (every article and alert came along),
// status reads the copied history, and a second copy is refused.
func TestASQLiteDatabaseMovesToPostgresWithNothingAlertingAgain(t *testing.T) {
	url := testutil.Postgres(t)
	cfg := demo(t)
	ctx := context.Background()
	if code, out, errOut := runCmd(t, ctx, "once", "--config", cfg); code != exitOK || strings.Count(out, "━━ #news-alerts ━━") != 1 {
		t.Fatalf("once on SQLite: exit %d, %s\n%s", code, out, errOut)
	}
	body, _ := os.ReadFile(cfg)
	pgCfg := filepath.Join(filepath.Dir(cfg), "pg.yaml")
	os.WriteFile(pgCfg, []byte(string(body)+"\nstorage: {driver: postgres}\n"), 0o644)
	env := map[string]string{"FEEDWATCH_DATABASE_URL": url} // the URL from the environment, as a deployment gives it
	runCmd := func(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
		var out, errb syncBuffer
		code := run(ctx, args, strings.NewReader(""), &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, out.String(), errb.String()
	}

	code, out, errOut := runCmd(t, ctx, "migrate", "--config", pgCfg, "--from-sqlite", filepath.Join(filepath.Dir(cfg), "data", "feedwatch.db"))
	if code != exitOK || !strings.Contains(out, "schema version 10") || !strings.Contains(out, "1 feeds, 3 articles, 2 matches, 1 deliveries") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, ctx, "once", "--config", pgCfg, "--force"); code != exitOK || out != "" {
		t.Errorf("once on PostgreSQL after the copy: exit %d, printed %q (%s); want nothing new", code, out, errOut)
	}
	if code, out, _ := runCmd(t, ctx, "status", "--config", pgCfg); code != exitOK || !strings.Contains(out, "Abu Khadija") {
		t.Errorf("status on PostgreSQL: exit %d; want the copied alert among the recent ones:\n%s", code, out)
	}
	code, _, errOut = runCmd(t, ctx, "migrate", "--config", pgCfg, "--from-sqlite", filepath.Join(filepath.Dir(cfg), "data", "feedwatch.db"))
	if code == exitOK || !strings.Contains(errOut, "copy into an empty database") {
		t.Errorf("a second copy: exit %d, %s; want it refused", code, errOut)
	}
	if strings.Contains(out+errOut, "password") {
		t.Errorf("a password shown: %s %s", out, errOut)
	}
}

// A run on PostgreSQL says on /readyz and in status who works on the
// database, and a run stopped gives its place back at once.
func TestARunOnPostgresShowsItselfOnReadyzAndInStatus(t *testing.T) {
	url := testutil.Postgres(t)
	cfg := demo(t)
	addr := freeAddr(t)
	body, _ := os.ReadFile(cfg)
	conf := strings.Replace(string(body), `server: {listen: ""}`, "server: {listen: \""+addr+"\"}", 1) + "\nstorage: {driver: postgres, url: \"" + url + "\", lease: 30s}\n"
	os.WriteFile(cfg, []byte(conf), 0o644)
	r := startRun(cfg)
	defer r.stop()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && !strings.Contains(r.out.String(), "Abu Khadija"); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(r.out.String(), "Abu Khadija") {
		t.Fatalf("no alert:\n%s", r.errb.String())
	}
	waitFor(t, "the database on /readyz", func() bool {
		return strings.Contains(readyz(addr), "ready\nnote: database postgres://postgres@/feedwatch_test") && strings.Contains(readyz(addr), "schema version 10; 1 process(es) alive: pid ")
	})
	if code, out, _ := runCmd(t, context.Background(), "status", "--config", cfg); code != exitOK || !strings.Contains(out, "Daemon: running: 1 process(es) on this database: pid ") {
		t.Errorf("status while it runs: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg); code != exitOK || !strings.Contains(out, "reachable, schema version 10 of 10; 1 process(es) on this database") {
		t.Errorf("check while it runs: exit %d\n%s", code, out)
	}
	if code := r.stop(); code != exitOK {
		t.Fatalf("run exited %d: %s", code, r.errb.String())
	}
	if _, out, _ := runCmd(t, context.Background(), "status", "--config", cfg); !strings.Contains(out, "Daemon: not running") {
		t.Errorf("status after the run stopped (within its lease):\n%s", out)
	}
}

// A PostgreSQL URL's password shows nowhere: not in config, not in what
// check says of a database it cannot reach (exit 2), not in once's error.
// No PostgreSQL is needed: nothing listens on port 1.
func TestTheDatabasePasswordShowsNowhere(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(string(body)+"\nstorage: {driver: postgres}\n"), 0o644)
	const password = "s3cret-Pa55"
	env := map[string]string{"FEEDWATCH_DATABASE_URL": "postgres://feedwatch:" + password + "@127.0.0.1:1/feedwatch?connect_timeout=2&password=" + password}
	for _, args := range [][]string{{"config"}, {"check"}, {"once"}, {"status"}, {"migrate"}} {
		var out, errb syncBuffer
		code := run(context.Background(), append(args, "--config", cfg), strings.NewReader(""), &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if strings.Contains(out.String()+errb.String(), password) {
			t.Errorf("%s shows the password:\n%s%s", args[0], out.String(), errb.String())
		}
		if args[0] == "check" && (code != exitUsage || !strings.Contains(out.String(), "storage.url: database postgres://feedwatch:[redacted]@127.0.0.1:1/feedwatch")) {
			t.Errorf("check on a database out of reach: exit %d\n%s%s", code, out.String(), errb.String())
		}
		if args[0] == "config" && !strings.Contains(out.String(), "storage.url:") {
			t.Errorf("config does not show storage.url:\n%s", out.String())
		}
	}
}
