package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Several processes on one PostgreSQL database. Every process is equal;
// work is leased, on the database's clock (syncClock), for Store.Lease:
//   - a feed, for one poll (LeaseFeed): the poll's results are recorded
//     only while the lease holds (fence), so a process that lost its lease
//     (stalled past it, and another took the feed over) records nothing;
//   - a channel, while a process posts to it (LeaseChannel): Slack's pace
//     and story threading hold across processes, since one posts at a time
//     and the time of the last post is kept with the lease;
//   - a delivery, while it is posted (Claim, outbox.go);
//   - a scheduled job's run (ClaimRun): digests and pruning run once per
//     time they are due, whichever process's clock fires first.
// A process killed holds its leases until they end; then another takes
// the work over. On SQLite one process holds the whole database (Lock):
// every lease is granted at once and nothing is written for it.

// ErrLeaseLost is returned when a poll's results arrive after its feed's
// lease ended and another process may have polled it: they are discarded.
var ErrLeaseLost = article.ErrLeaseLost

// leased are the feeds this process holds a lease on (PostgreSQL).
type leased struct {
	mu    sync.Mutex
	feeds map[string]bool
}

func (l *leased) set(name string, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.feeds == nil {
		l.feeds = map[string]bool{}
	}
	if on {
		l.feeds[name] = true
	} else {
		delete(l.feeds, name)
	}
}

func (l *leased) has(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.feeds[name]
}

// LeaseFeed leases feed name to this process for one poll: false when
// another process holds it, or polled it since fresh() (its poll of this
// same due time; asked only on PostgreSQL).
func (s *Store) LeaseFeed(ctx context.Context, name, url string, fresh func() time.Time) (bool, error) {
	if !s.db.pg {
		return true, nil
	}
	now := s.dbNow()
	until := now.Add(s.Lease).Unix()
	// A feed another process is leasing or recording this instant is
	// skipped, not waited for (SKIP LOCKED).
	res, err := s.db.ExecContext(ctx, `UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE name = (SELECT name FROM feeds
		WHERE name = ? AND (lease_owner = '' OR lease_until < ?) AND last_attempt < ? FOR UPDATE SKIP LOCKED)`,
		s.Owner, until, name, now.Unix(), fresh().Unix())
	if err != nil {
		return false, fmt.Errorf("lease feed %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease feed %q: %w", name, err)
	}
	if n == 0 { // held, polled for this due time, or never polled: a feed's first poll makes its row
		if res, err = s.db.ExecContext(ctx, `INSERT INTO feeds (name, url, lease_owner, lease_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			name, url, s.Owner, until); err != nil {
			return false, fmt.Errorf("lease feed %q: %w", name, err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return false, err
		}
	}
	s.leases.set(name, true)
	return true, nil
}

// ReleaseFeed gives a feed's lease back, if this process still holds it,
// without recording a poll (one cut short, backing off, or whose record
// failed and was rolled back, its lease with it).
func (s *Store) ReleaseFeed(ctx context.Context, name string) error {
	if !s.db.pg {
		return nil
	}
	s.leases.set(name, false)
	return s.exec(ctx, fmt.Sprintf("release feed %q", name), `UPDATE feeds SET lease_owner = '', lease_until = 0 WHERE name = ? AND lease_owner = ?`, name, s.Owner)
}

// fence ends this process's lease on feed name in tx, and fails with
// ErrLeaseLost when it no longer holds it: whatever the transaction wrote
// is then undone.
func (s *Store) fence(ctx context.Context, tx *Tx, name string) error {
	if !tx.pg || !s.leases.has(name) {
		return nil
	}
	s.leases.set(name, false)
	res, err := tx.ExecContext(ctx, `UPDATE feeds SET lease_owner = '', lease_until = 0 WHERE name = ? AND lease_owner = ? AND lease_until >= ?`,
		name, s.Owner, s.dbNow().Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// LeaseChannel leases (or renews) a channel to this process for posting,
// and returns when the last post to it was made, by any process (zero
// when none was recorded); false when another process posts to it now.
func (s *Store) LeaseChannel(ctx context.Context, channel string) (bool, time.Time, error) {
	if !s.db.pg {
		return true, time.Time{}, nil
	}
	now := s.dbNow()
	var last int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO channel_leases (channel, lease_owner, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (channel) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
		WHERE channel_leases.lease_owner = excluded.lease_owner OR channel_leases.lease_owner = '' OR channel_leases.lease_until < ?
		RETURNING last_post`, channel, s.Owner, now.Add(s.Lease).Unix(), now.Unix()).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("lease channel %s: %w", channel, err)
	}
	if last == 0 {
		return true, time.Time{}, nil
	}
	// On this process's clock, as the outbox paces by it.
	return true, time.UnixMilli(last).Add(-time.Duration(s.skew.Load())), nil
}

// ReleaseChannel gives a channel back when this process has nothing more
// to post to it.
func (s *Store) ReleaseChannel(ctx context.Context, channel string) error {
	if !s.db.pg {
		return nil
	}
	return s.exec(ctx, "release channel "+channel, `UPDATE channel_leases SET lease_owner = '', lease_until = 0 WHERE channel = ? AND lease_owner = ?`, channel, s.Owner)
}

// posted records, with a delivery's outcome, that its channel was just
// posted to (the pace other processes keep).
func (s *Store) posted(ctx context.Context, tx *Tx, id int64) error {
	if !tx.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE channel_leases SET last_post = ? WHERE channel = (SELECT channel FROM deliveries WHERE id = ?)`,
		s.dbNow().UnixMilli(), id)
	return err
}

// ClaimRun claims the run of a scheduled job due at slot for this
// process: false when another process ran it.
func (s *Store) ClaimRun(ctx context.Context, job string, slot time.Time) (bool, error) {
	if !s.db.pg {
		return true, nil
	}
	var one int
	err := s.db.QueryRowContext(ctx, `INSERT INTO job_runs (job, slot, owner, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
		job, slot.Unix(), s.Owner, s.dbNow().Unix()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim the %s run of %s: %w", job, slot.UTC().Format(time.RFC3339), err)
	}
	return true, nil
}

// Process is a feedwatch process sharing the database, as it last said.
type Process struct {
	Owner     string    `json:"owner"`
	Host      string    `json:"host"`
	Version   string    `json:"version"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	Feeds     int       `json:"feeds_leased"` // leases it holds now
	Channels  int       `json:"channels_leased"`
}

// String is how messages name a process: pid, host, version, since when,
// last heard, and the leases it holds.
func (p Process) String() string {
	const minute = "2006-01-02 15:04 UTC"
	return fmt.Sprintf("pid %d on %s (%s, since %s, last heard %s; leases: %d feeds, %d channels)",
		p.PID, p.Host, p.Version, p.Started.UTC().Format(minute), p.Heartbeat.UTC().Format(minute), p.Feeds, p.Channels)
}

// Beat says this process is alive (processes), and reads the database's
// clock again. Run it more often than Lease.
func (s *Store) Beat(ctx context.Context, version string, started time.Time) error {
	if !s.db.pg {
		return nil
	}
	if err := s.syncClock(ctx); err != nil {
		return err
	}
	host, _ := os.Hostname()
	now := s.dbNow()
	if err := s.exec(ctx, "say this process is alive", `INSERT INTO processes (owner, host, pid, version, started, heartbeat) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (owner) DO UPDATE SET heartbeat = excluded.heartbeat, version = excluded.version`,
		s.Owner, host, os.Getpid(), version, started.Unix(), now.Unix()); err != nil {
		return err
	}
	// What processes killed a day ago said, and the runs of scheduled jobs
	// claimed a week ago, are of no more use.
	if err := s.exec(ctx, "forget processes gone", `DELETE FROM processes WHERE heartbeat < ?`, now.Add(-24*time.Hour).Unix()); err != nil {
		return err
	}
	return s.exec(ctx, "forget past runs", `DELETE FROM job_runs WHERE at < ?`, now.Add(-7*24*time.Hour).Unix())
}

// Leave says this process stopped: it is no longer listed, and the
// channels and feeds it leased are free at once rather than when their
// leases end.
func (s *Store) Leave(ctx context.Context) error {
	if !s.db.pg {
		return nil
	}
	return s.inTx(ctx, "say this process stopped", func(tx *Tx, _ time.Time) error {
		for _, q := range []string{
			`DELETE FROM processes WHERE owner = ?`,
			`UPDATE channel_leases SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?`,
			`UPDATE feeds SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, s.Owner); err != nil {
				return err
			}
		}
		return nil
	})
}

// Processes lists the processes that said they were alive within the
// last lease, with the leases each holds now; SQLite has none to list.
func (s *Store) Processes(ctx context.Context) ([]Process, error) {
	if !s.db.pg {
		return nil, nil
	}
	now := s.dbNow().Unix()
	rows, err := s.db.QueryContext(ctx, `SELECT p.owner, p.host, p.pid, p.version, p.started, p.heartbeat,
		(SELECT count(*) FROM feeds f WHERE f.lease_owner = p.owner AND f.lease_until >= ?),
		(SELECT count(*) FROM channel_leases c WHERE c.lease_owner = p.owner AND c.lease_until >= ?)
		FROM processes p WHERE p.heartbeat >= ? ORDER BY p.started, p.owner`, now, now, now-int64(s.Lease/time.Second))
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	defer rows.Close()
	var out []Process
	for rows.Next() {
		var p Process
		var started, beat int64
		if err := rows.Scan(&p.Owner, &p.Host, &p.PID, &p.Version, &started, &beat, &p.Feeds, &p.Channels); err != nil {
			return nil, fmt.Errorf("list processes: %w", err)
		}
		p.Started, p.Heartbeat = fromUnix(started), fromUnix(beat)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SchemaVersion is the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	return v, nil
}
