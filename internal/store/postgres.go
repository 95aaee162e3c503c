package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/feedwatch/feedwatch/internal/secret"
)

// migrationLock is the advisory lock under which one process at a time
// migrates a PostgreSQL database: the others wait, then find it done.
const migrationLock = 0x66656564 // "feed"

// openPostgres opens the PostgreSQL database url names, migrates it
// under migrationLock and reads the database's clock.
func openPostgres(ctx context.Context, url string) (*Store, error) {
	where := secret.Redact(url)
	fail := func(err error) error {
		return fmt.Errorf("open database %s: %s", where, secret.Redact(err.Error()))
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fail(err)
	}
	// As many idle as open: database/sql keeps 2 by default, and each
	// connection past them was closed after use and opened again, which
	// forks a PostgreSQL backend every time (half of a cold pass's CPU).
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := newStore(&conn{DB: db, pg: true}, where)
	if err := s.syncClock(ctx); err != nil {
		db.Close()
		return nil, fail(err)
	}
	if err := s.migrateLocked(ctx); err != nil {
		db.Close()
		return nil, errors.New(secret.Redact(err.Error())) // it names the database
	}
	return s, nil
}

// migrateLocked migrates while holding migrationLock on a connection of
// its own (a session lock: it must be taken and given back on one
// connection, before that connection goes back to the pool).
func (s *Store) migrateLocked(ctx context.Context) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("wait for the migration lock: %w", err)
	}
	defer c.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock)
	return s.migrate(ctx)
}

// syncClock reads the database's clock: leases and claims are judged by
// it, whatever this host's clock says. SQLite has one host: nothing to do.
func (s *Store) syncClock(ctx context.Context) error {
	if !s.db.pg {
		return nil
	}
	var micros int64
	before := time.Now()
	if err := s.db.QueryRowContext(ctx, `SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint`).Scan(&micros); err != nil {
		return fmt.Errorf("read the database's clock: %w", err)
	}
	mid := before.Add(time.Since(before) / 2)
	s.skew.Store(time.UnixMicro(micros).Sub(mid).Nanoseconds())
	return nil
}

// dbNow is now on the database's clock (this store's clock on SQLite).
func (s *Store) dbNow() time.Time {
	return s.Now().Add(time.Duration(s.skew.Load()))
}

// Engine names the engine: "sqlite" or "postgres".
func (s *Store) Engine() string {
	if s.db.pg {
		return "postgres"
	}
	return "sqlite"
}

// Where is the database as messages name it: the SQLite file, or the
// PostgreSQL URL without its password.
func (s *Store) Where() string { return s.where }

// Probe is what check learns of a PostgreSQL database without changing
// it: the schema version it holds, the newest this binary knows, and the
// processes alive on it.
type Probe struct {
	Version, Known int
	Processes      []Process
}

// ProbePostgres connects to the database url names and reads its schema
// version and the processes alive on it; it migrates nothing.
func ProbePostgres(ctx context.Context, url string, lease time.Duration) (Probe, error) {
	var p Probe
	where := secret.Redact(url)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return p, fmt.Errorf("database %s: %s", where, secret.Redact(err.Error()))
	}
	defer db.Close()
	s := newStore(&conn{DB: db, pg: true}, where)
	s.Lease = lease
	if err := s.syncClock(ctx); err != nil {
		return p, fmt.Errorf("database %s: not reachable: %s", where, secret.Redact(err.Error()))
	}
	if p.Known, err = latestMigration(); err != nil {
		return p, err
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return p, err // a new database: the first process migrates it
	}
	if p.Version, err = s.SchemaVersion(ctx); err != nil {
		return p, err
	}
	if p.Version >= 10 { // the processes table came with migration 010
		p.Processes, err = s.Processes(ctx)
	}
	return p, err
}
