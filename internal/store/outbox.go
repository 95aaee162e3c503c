package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Delivery states.
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed"
	Merged  = "merged" // the same story as an earlier post; recorded, not posted
	Held    = "held"   // waiting for its rule's digest
)

// Delivery is one message in the outbox.
type Delivery struct {
	ID        int64
	Channel   string
	Alert     article.Alert
	State     string
	Attempts  int
	Created   time.Time
	Updated   time.Time
	LastError string
	SlackTS   string
	ThreadTS  string // set when it was posted as a thread reply
	ParentID  int64  // the delivery it replied to or was merged into
}

const deliveryCols = `id, channel, payload, state, attempts, created, updated, last_error, slack_ts, thread_ts, parent_id`

func scanDeliveries(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) ([]Delivery, error) {
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var payload string
		var created, updated int64
		if err := rows.Scan(&d.ID, &d.Channel, &payload, &d.State, &d.Attempts, &created, &updated, &d.LastError, &d.SlackTS, &d.ThreadTS, &d.ParentID); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(payload), &d.Alert); err != nil {
			return nil, fmt.Errorf("delivery %d: bad payload: %w", d.ID, err)
		}
		d.Created, d.Updated = fromUnix(created), fromUnix(updated)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Due returns up to limit pending deliveries whose next attempt is due,
// oldest first.
func (s *Store) Due(ctx context.Context, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries
		WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?`, s.Now().Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("list due deliveries: %w", err)
	}
	defer rows.Close()
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("list due deliveries: %w", err)
	}
	return out, nil
}

// NextDue returns when the earliest pending delivery is due, and false when
// none is pending.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM deliveries WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next due delivery: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(*next, 0), true, nil
}

// MarkSent records that Slack accepted delivery id, with its message ts;
// a thread reply also records its parent.
func (s *Store) MarkSent(ctx context.Context, id int64, ts string, parent *Delivery) error {
	threadTS, parentID := "", int64(0)
	if parent != nil {
		threadTS, parentID = parent.SlackTS, parent.ID
	}
	return s.update(ctx, `UPDATE deliveries SET state = 'sent', attempts = attempts + 1, slack_ts = ?, thread_ts = ?, parent_id = ?, last_error = '', updated = ? WHERE id = ?`,
		ts, threadTS, parentID, s.Now().Unix(), id)
}

// MarkMerged records that delivery id is the same story as parent and was
// not posted.
func (s *Store) MarkMerged(ctx context.Context, id int64, parent Delivery) error {
	return s.update(ctx, `UPDATE deliveries SET state = 'merged', parent_id = ?, updated = ? WHERE id = ?`,
		parent.ID, s.Now().Unix(), id)
}

// HeldFor returns the deliveries held for rule's digest, oldest first.
func (s *Store) HeldFor(ctx context.Context, rule string) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE digest = ? AND state = 'held' ORDER BY id`, rule)
	if err != nil {
		return nil, fmt.Errorf("list held deliveries: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// ReleaseDigest queues digest for posting and marks the held deliveries
// it gathers as merged into it, in one transaction.
func (s *Store) ReleaseDigest(ctx context.Context, digest article.Alert, held []int64) error {
	now := s.Now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("release digest: %w", err)
	}
	defer tx.Rollback()
	if err := insertDelivery(ctx, tx, 0, digest, now); err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT last_insert_rowid()`).Scan(&id); err != nil {
		return fmt.Errorf("release digest: %w", err)
	}
	for _, h := range held {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'merged', parent_id = ?, updated = ? WHERE id = ? AND state = 'held'`,
			id, now.Unix(), h); err != nil {
			return fmt.Errorf("release digest: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("release digest: %w", err)
	}
	return nil
}

// StoryHeads returns the article posts made to channel since then that
// started a story (not thread replies, not notices), newest first: the
// posts a new report of the same story would reply to.
func (s *Store) StoryHeads(ctx context.Context, channel string, since time.Time) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries
		WHERE channel = ? AND state = 'sent' AND thread_ts = '' AND article_id != 0 AND created >= ?
		ORDER BY id DESC LIMIT 500`, channel, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("list story heads: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// MarkRetry schedules delivery id again at next. counted says whether this
// was a failed attempt (a rate-limit wait is not).
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, reason string, counted bool) error {
	inc := 0
	if counted {
		inc = 1
	}
	return s.update(ctx, `UPDATE deliveries SET attempts = attempts + ?, next_attempt = ?, last_error = ?, updated = ? WHERE id = ?`,
		inc, ceilUnix(next), reason, s.Now().Unix(), id)
}

// MarkFailed gives up on delivery id for good and queues notices about
// it, in one transaction.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, notices ...article.Alert) error {
	now := s.Now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update delivery: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?, updated = ? WHERE id = ?`,
		reason, now.Unix(), id); err != nil {
		return fmt.Errorf("update delivery: %w", err)
	}
	for _, n := range notices {
		if err := insertDelivery(ctx, tx, 0, n, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update delivery: %w", err)
	}
	return nil
}

func (s *Store) update(ctx context.Context, q string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("update delivery: %w", err)
	}
	return nil
}

// DeliveryCounts returns how many deliveries are in each state.
func (s *Store) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

// Recent returns the newest deliveries in state (any state when empty).
func (s *Store) Recent(ctx context.Context, state string, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries
		WHERE ? = '' OR state = ? ORDER BY id DESC LIMIT ?`, state, state, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// ceilUnix rounds up to the second, so a retry is never early.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// Enqueue queues alerts that belong to no article (operator notices).
func (s *Store) Enqueue(ctx context.Context, alerts ...article.Alert) error {
	return s.Record(ctx, FeedState{}, nil, alerts...)
}
