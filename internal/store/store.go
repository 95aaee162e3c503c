// Package store keeps feedwatch's state: feed state, articles, matches,
// the delivery outbox, silences and what analysts did. One set of
// operations runs on two engines: a SQLite file (modernc.org/sqlite, pure
// Go; the default, for one process) or PostgreSQL (pgx), which several
// processes may share (lease.go). Every method takes a context; times are
// stored as Unix seconds on both.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store is an open database: a SQLite file (the default) or PostgreSQL,
// where several processes may share it (lease.go).
type Store struct {
	db *conn
	// wmu lets one write of this process at a time reach SQLite: two
	// connections beginning write transactions at once would make one
	// wait in SQLite's busy handler, which sleeps (1, 2, 5… 100 ms) — most
	// of what a poll of 1,000 feeds spent waiting.
	wmu sync.Mutex
	// qmu guards the transactions waiting to be committed together (inTx).
	qmu     sync.Mutex
	queue   []*txReq
	leading bool        // a caller is committing the queue
	path    string      // the SQLite file ("" on PostgreSQL)
	file    os.FileInfo // the file opened, to notice it deleted or replaced
	where   string      // what errors name: the file, or the URL without its password
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Owner names this store's claims on deliveries (outbox.go) and its
	// leases (lease.go): unique to the process that opened it.
	Owner string
	// Lease is how long a lease or a claim holds unless renewed: longer
	// than a fetch or a post may take (ClaimLease unless set).
	Lease  time.Duration
	skew   atomic.Int64 // PostgreSQL: the database's clock minus this host's, in ns
	leases leased       // PostgreSQL: the feeds this process leased (lease.go)
}

// isURL reports whether target names a PostgreSQL database rather than a
// SQLite file.
func isURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Open opens the database target names and runs pending migrations: a
// PostgreSQL URL (postgres://…), or the path of a SQLite file, created if
// needed (mode 0600 in a 0700 folder).
func Open(ctx context.Context, target string) (*Store, error) {
	if isURL(target) {
		return openPostgres(ctx, target)
	}
	path := target
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	f.Close()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// 512 KB of pages cached per connection (SQLite's default is 2 MB):
	// the four connections' caches were a fifth of a cold pass's memory.
	// The pages left out are in the operating system's cache, a read
	// away. Measured on a cold once of 1,000 feeds (interleaved runs): 2
	// MB → 1 MB, 1–2 MB less at the peak; 1 MB → 512 KB, 1 MB less; the
	// CPU time within the noise at each step, and at 10,000 feeds too.
	q.Add("_pragma", "cache_size(-512)")
	// Temporary files (the statement journals of group commit's
	// savepoints) in memory: the image's root is read-only, with no /tmp.
	q.Add("_pragma", "temp_store(2)")
	q.Set("_txlock", "immediate")
	// The path escaped as a URI's (SQLite decodes %XX): a "?" or "#" in a
	// folder's name would otherwise end the file name there, and the
	// database and its settings would go elsewhere.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4) // kept: database/sql kept 2, closing and opening the others again (schema read, statements prepared again)
	info, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := newStore(&conn{DB: db}, path)
	s.file = info
	if err := s.incrementalVacuum(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func newStore(c *conn, where string) *Store {
	s := &Store{db: c, where: where, Now: time.Now, Owner: newOwner(), Lease: ClaimLease}
	if !c.pg {
		s.path = where
	}
	return s
}

// newOwner names a process's claims: host, pid and a random part (a pid
// is reused after a restart).
func newOwner() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%x", host, os.Getpid(), b)
}

// Close closes the database.
func (s *Store) Close() error {
	s.db.stmts.close()
	return s.db.Close()
}

// Ping checks the database answers and that its file is still the one
// opened: a file deleted or replaced under a running process goes on
// working in memory and loses everything at the next restart.
func (s *Store) Ping(ctx context.Context) error {
	if s.db.pg {
		return s.db.PingContext(ctx)
	}
	if err := s.sameFile(); err != nil {
		return err
	}
	return s.db.PingContext(ctx)
}

// sameFile fails once the database file was deleted or replaced.
func (s *Store) sameFile() error {
	if s.path == "" {
		return nil // PostgreSQL
	}
	if info, err := os.Stat(s.path); err != nil || !os.SameFile(info, s.file) {
		return fmt.Errorf("the database file %s was deleted or replaced while in use: restart feedwatch", s.path)
	}
	return nil
}

// incrementalVacuum makes the file give pages freed by pruning back to the
// file system (PRAGMA incremental_vacuum) without a full VACUUM. The mode
// can only change on an empty database or by one VACUUM, done here once.
func (s *Store) incrementalVacuum(ctx context.Context) error {
	var mode int
	if err := s.db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if mode == 2 { // incremental
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("open database: set incremental auto-vacuum: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dir := "migrations"
	if s.db.pg {
		dir = "migrations/postgres"
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	latest, err := latestMigration()
	if err != nil {
		return err
	}
	if err := s.checkSchema(ctx, latest); err != nil {
		return err
	}
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if err := s.applyMigration(ctx, version, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// latestMigration is the newest schema version this binary knows (the
// same on both engines).
func latestMigration() (int, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		return 0, fmt.Errorf("no migrations: %v", err)
	}
	sort.Strings(names)
	return strconv.Atoi(strings.SplitN(filepath.Base(names[len(names)-1]), "_", 2)[0])
}

// checkSchema refuses a database whose schema is newer than the latest
// migration this binary knows: it was written by a newer feedwatch (a
// rollback after an upgrade), and reading it could lose what it records.
func (s *Store) checkSchema(ctx context.Context, known int) error {
	var newest int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if newest > known {
		return fmt.Errorf("open database %s: its schema is version %d, written by a newer feedwatch; this one knows up to version %d: run that newer version again, or restore a backup made before the upgrade", s.where, newest, known)
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, version int, name string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`, version, s.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// exec runs one statement; op names it in errors.
func (s *Store) exec(ctx context.Context, op, q string, args ...any) error {
	if _, err := s.write(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// write runs one writing statement, one write of this process at a time
// (wmu).
func (s *Store) write(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s.db.pg {
		return s.db.ExecContext(ctx, q, args...)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.db.ExecContext(ctx, q, args...)
}
