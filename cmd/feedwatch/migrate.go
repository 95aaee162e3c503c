package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/feedwatch/feedwatch/internal/store"
)

// cmdMigrate applies the database's migrations (what start-up does, one
// process at a time), or copies a SQLite database into the PostgreSQL
// one the configuration names.
func cmdMigrate(ctx context.Context, e env, args []string) int {
	fs, path := flags(e, "migrate", "[--from-sqlite FILE]", "Applies the database's pending migrations and says its schema version (start-up does the same).\nWith --from-sqlite, copies everything a SQLite database holds (feed state, articles, matches,\nthe outbox and its history, silences, actions, feedback) into the PostgreSQL database the\nconfiguration names, in one transaction; the target must hold no articles or deliveries yet.\nStop the daemon that writes the SQLite file first.")
	from := fs.String("from-sqlite", "", "copy this SQLite database `FILE` into the configured PostgreSQL database")
	cfg, code := parseConfig(e, fs, path, args)
	if cfg == nil {
		return code
	}
	if *from != "" && !cfg.Storage.Shared() {
		fmt.Fprintf(e.stderr, "feedwatch migrate: --from-sqlite copies into PostgreSQL: %s says storage.driver: %s (set driver: postgres and url)\n", cfg.Path, cfg.Storage.Driver)
		return exitUsage
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	fmt.Fprintf(e.stdout, "database %s: schema version %d\n", st.Where(), v)
	if *from == "" {
		return exitOK
	}
	return copySQLite(ctx, e, st, *from)
}

// copySQLite copies the SQLite database at path into st.
func copySQLite(ctx context.Context, e env, st *store.Store, path string) int {
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(e.stderr, "feedwatch migrate: --from-sqlite: %v\n", err)
		return exitUsage
	}
	release, err := store.Lock(path, "migrate") // no daemon may write it meanwhile
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	defer release()
	src, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	defer src.Close()
	counts, err := st.CopyFrom(ctx, src)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitProblems
	}
	var parts []string
	for _, t := range []string{"feeds", "articles", "matches", "deliveries", "silences", "actions", "feedback"} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[t], t))
	}
	fmt.Fprintf(e.stdout, "copied %s into %s: %s\n", path, st.Where(), strings.Join(parts, ", "))
	return exitOK
}
