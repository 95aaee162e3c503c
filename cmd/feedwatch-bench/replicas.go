package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the schema of each run

	"github.com/feedwatch/feedwatch/internal/bench"
)

// runReplicas measures the cold pass as several processes share it: the
// binary at path running once, 1, 2 and 3 processes at the same time on
// one PostgreSQL database (pgURL; a new schema each), beside one on a
// SQLite file, over the same loopback feeds × 20 items and 100 rules.
// The wall time is from the first start to the last exit; items/s is the
// items fetched and judged per second of it.
func runReplicas(path, pgURL string, feeds int) int {
	fs := bench.NewFeedServer(bench.New(42), feeds, 20)
	defer fs.Close()
	fmt.Printf("feedwatch once, cold, %s feeds × 20 items, 100 rules (%s)\n", thousands(feeds), path)
	for _, run := range []struct {
		engine string
		procs  int
	}{{"sqlite", 1}, {"postgres", 1}, {"postgres", 2}, {"postgres", 3}} {
		wall, err := coldPass(path, fs, run.engine, pgURL, run.procs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s × %d: %v\n", run.engine, run.procs, err)
			return 1
		}
		fmt.Printf("  %-8s %d process(es)  %8s wall  %s items/s\n", run.engine, run.procs, wall.Round(time.Millisecond), thousands(int(float64(feeds*20)/wall.Seconds())))
	}
	return 0
}

// coldPass runs procs processes of `once` at once on a fresh database.
func coldPass(path string, fs *bench.FeedServer, engine, pgURL string, procs int) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "feedwatch-replicas-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	cfg, err := bench.WriteSetup(bench.New(7), fs, 100, dir)
	if err != nil {
		return 0, err
	}
	if engine == "postgres" {
		schemaURL, drop, err := freshSchema(pgURL)
		if err != nil {
			return 0, err
		}
		defer drop()
		body, _ := os.ReadFile(cfg)
		conf := strings.Replace(string(body), "storage: {path: feedwatch.db}", "storage: {driver: postgres, url: \""+schemaURL+"\"}", 1)
		if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
			return 0, err
		}
		if out, err := exec.Command(path, "migrate", "--config", cfg).CombinedOutput(); err != nil { // the schema, before the clock starts
			return 0, fmt.Errorf("migrate: %v\n%s", err, out)
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i := range procs {
		wg.Go(func() {
			if out, err := exec.Command(path, "once", "--config", cfg).CombinedOutput(); err != nil && !strings.Contains(string(out), "feeds: 0 failed") {
				errs[i] = fmt.Errorf("%v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return wall, nil
}

// freshSchema makes an empty schema on the database at base and returns
// its URL (search_path set) and how to drop it.
func freshSchema(base string) (string, func(), error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := fmt.Sprintf("bench_%x", b)
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}, nil
}
