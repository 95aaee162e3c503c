package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/secret"
)

const deliveryCols = `id, payload, state, attempts, created, updated, last_error, slack_ts, thread_ts, parent_id, digest, story, channel`

func scanDeliveries(rows *sql.Rows) ([]article.Delivery, error) {
	defer rows.Close()
	var out []article.Delivery
	for rows.Next() {
		var d article.Delivery
		var payload, story, channel string
		var created, updated int64
		if err := rows.Scan(&d.ID, &payload, &d.State, &d.Attempts, &created, &updated, &d.LastError, &d.SlackTS, &d.ThreadTS, &d.ParentID, &d.HoldFor, &story, &channel); err != nil {
			return nil, err
		}
		m, err := decodeMessage(payload)
		if err != nil { // this row only: the outbox fails it, the others flow
			m = article.Unreadable{Channel: channel, Err: fmt.Sprintf("its record cannot be read (%v)", err)}
		}
		d.Message, d.Created, d.Updated = m, fromUnix(created), fromUnix(updated)
		if story != "" {
			d.Story = []byte(story)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// deliveries runs a query for deliveries; op names it in errors.
func (s *Store) deliveries(ctx context.Context, op, where string, args ...any) ([]article.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// Due returns up to limit pending deliveries whose next attempt is due,
// oldest first, and those whose claim expired (ClaimLease) unrecorded.
func (s *Store) Due(ctx context.Context, limit int) ([]article.Delivery, error) {
	now, expired := s.dueAt()
	return s.deliveries(ctx, "list due deliveries", `(`+due+`) ORDER BY id LIMIT ?`, now, expired, limit)
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
	return fromUnix(*next), true, nil
}

// Claims. A delivery is posted only by the one who claimed it: Claim
// moves it from due ('pending', its next attempt come) to 'posting' in
// one conditional UPDATE, which succeeds for one claimant only, and every
// outcome (MarkSent, MarkMerged, MarkRetry, MarkFailed) is recorded only
// against that claim (state 'posting', claimed_by this store's Owner);
// otherwise nothing changes and the error is article.ErrChanged. A claim
// left by a process that died is released by ReleaseClaims (the lock
// holder, at start-up) or taken over once ClaimLease has passed.

// ClaimLease is how long a claim holds unless Store.Lease says otherwise:
// longer than a post may take.
const ClaimLease = 2 * time.Minute

// due is the condition of a delivery that may be claimed: pending with
// its next attempt come, or claimed by a process whose lease has ended;
// its arguments are dueAt's.
const due = `state = 'pending' AND next_attempt <= ? OR state = 'posting' AND claimed_at < ?`

// dueAt is now, and before when a claim has expired (on the database's
// clock), in Unix seconds.
func (s *Store) dueAt() (now, expired int64) {
	return s.Now().Unix(), s.dbNow().Add(-s.Lease).Unix()
}

// Claim claims delivery id for posting; false when it is no longer due
// (posted, gathered, retried later or claimed meanwhile).
func (s *Store) Claim(ctx context.Context, id int64) (bool, error) {
	// A file deleted or replaced under the process still answers, from a
	// file no one will see again: nothing more is posted (it would be
	// posted again after the restart).
	if err := s.sameFile(); err != nil {
		return false, err
	}
	now, expired := s.dueAt()
	claim := `UPDATE deliveries SET state = 'posting', claimed_by = ?, claimed_at = ? WHERE id = ? AND (` + due + `)`
	if s.db.pg { // a row another process is claiming this instant is skipped, not waited for
		claim = `UPDATE deliveries SET state = 'posting', claimed_by = ?, claimed_at = ? WHERE id = (SELECT id FROM deliveries WHERE id = ? AND (` + due + `) FOR UPDATE SKIP LOCKED)`
	}
	res, err := s.write(ctx, claim, s.Owner, s.dbNow().Unix(), id, now, expired)
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", id, err)
	}
	return n == 1, nil
}

// ReleaseClaims makes the deliveries claimed by anyone but this store
// pending again: those of a process that died while posting (run only by
// the holder of the database lock). Such a post may have gone out: it is
// the one post a crash may repeat. It returns how many. On PostgreSQL the
// other claimants may be alive: their claims are taken over only once
// they expire (Store.Lease).
func (s *Store) ReleaseClaims(ctx context.Context) (int64, error) {
	if s.db.pg {
		return 0, nil
	}
	res, err := s.write(ctx, `UPDATE deliveries SET state = 'pending', claimed_by = '' WHERE state = 'posting' AND claimed_by != ?`, s.Owner)
	if err != nil {
		return 0, fmt.Errorf("release claims: %w", err)
	}
	return res.RowsAffected()
}

// outcome records an outcome against this store's claim on delivery id.
func outcome(ctx context.Context, tx *Tx, owner string, id int64, set string, args ...any) error {
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET `+set+`, claimed_by = '' WHERE id = ? AND state = 'posting' AND claimed_by = ?`,
		append(args, id, owner)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("delivery %d is not claimed by this process: %w", id, article.ErrChanged)
	}
	return nil
}

// MarkSent records that Slack accepted delivery id, with its message ts;
// a thread reply also records its parent.
func (s *Store) MarkSent(ctx context.Context, id int64, ts string, parent *article.Delivery) error {
	threadTS, parentID := "", int64(0)
	if parent != nil {
		threadTS, parentID = parent.SlackTS, parent.ID
	}
	return s.inTx(ctx, "mark delivery sent", func(tx *Tx, now time.Time) error {
		if err := outcome(ctx, tx, s.Owner, id, `state = 'sent', attempts = attempts + 1, slack_ts = ?, thread_ts = ?, parent_id = ?, last_error = '', updated = ?`,
			ts, threadTS, parentID, now.Unix()); err != nil {
			return err
		}
		return s.posted(ctx, tx, id)
	})
}

// MarkMerged records that delivery id is the same story as parent and was
// not posted.
func (s *Store) MarkMerged(ctx context.Context, id, parent int64) error {
	return s.inTx(ctx, "mark delivery merged", func(tx *Tx, now time.Time) error {
		return outcome(ctx, tx, s.Owner, id, `state = 'merged', parent_id = ?, updated = ?`, parent, now.Unix())
	})
}

// MarkRetry schedules delivery id again at next. counted says whether this
// was a failed attempt (a rate-limit wait is not).
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, reason string, counted bool) error {
	inc := 0
	if counted {
		inc = 1
	}
	return s.inTx(ctx, "schedule delivery retry", func(tx *Tx, now time.Time) error {
		return outcome(ctx, tx, s.Owner, id, `state = 'pending', attempts = attempts + ?, next_attempt = ?, last_error = ?, updated = ?`,
			inc, ceilUnix(next), secret.Redact(reason), now.Unix())
	})
}

// MarkFailed gives up on delivery id for good and queues notices about
// it, in one transaction.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, notices ...article.Notice) error {
	return s.inTx(ctx, "mark delivery failed", func(tx *Tx, now time.Time) error {
		if err := outcome(ctx, tx, s.Owner, id, `state = 'failed', attempts = attempts + 1, last_error = ?, updated = ?`,
			secret.Redact(reason), now.Unix()); err != nil {
			return err
		}
		return insertNotices(ctx, tx, notices, now)
	})
}

// Enqueue queues operator notices.
func (s *Store) Enqueue(ctx context.Context, notices ...article.Notice) error {
	return s.inTx(ctx, "queue notices", func(tx *Tx, now time.Time) error {
		return insertNotices(ctx, tx, notices, now)
	})
}

// HeldFor returns the deliveries held for rule's digest, oldest first.
func (s *Store) HeldFor(ctx context.Context, rule string) ([]article.Delivery, error) {
	return s.deliveries(ctx, fmt.Sprintf("list deliveries held for %q", rule), `digest = ? AND state = 'held' ORDER BY id`, rule)
}

// Requeue makes every delivery that failed for good since then pending
// again, as new: after its cause (a revoked token, a channel the bot was
// not in) is fixed. It returns how many.
func (s *Store) Requeue(ctx context.Context, since time.Time) (int64, error) {
	now := s.Now().Unix()
	res, err := s.write(ctx, `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt = ?, last_error = '', created = ?, updated = ?
		WHERE state = 'failed' AND updated >= ?`, now, now, now, unix(since))
	if err != nil {
		return 0, fmt.Errorf("requeue failed deliveries: %w", err)
	}
	return res.RowsAffected()
}

// HeldRules lists the rules that have deliveries held for their digest.
func (s *Store) HeldRules(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT digest FROM deliveries WHERE state = 'held' ORDER BY digest`)
	if err != nil {
		return nil, fmt.Errorf("list rules with held deliveries: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("list rules with held deliveries: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Gather queues digest for posting and marks the deliveries it gathers
// (held for a rule's digest, or pending in a flood) as merged into it, in
// one transaction: all of them, or nothing when one is no longer held or
// pending (article.ErrChanged: the caller's list was stale).
func (s *Store) Gather(ctx context.Context, digest article.Digest, gathered []int64) error {
	return s.inTx(ctx, "gather deliveries into a digest", func(tx *Tx, now time.Time) error {
		id, err := insertDelivery(ctx, tx, 0, Outgoing{Message: digest}, now)
		if err != nil {
			return err
		}
		for _, h := range gathered {
			res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'merged', parent_id = ?, updated = ? WHERE id = ? AND state IN ('held', 'pending')`,
				id, now.Unix(), h)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return fmt.Errorf("delivery %d: %w", h, article.ErrChanged) // posted meanwhile: the digest would post it again
			}
		}
		return nil
	})
}

// StoryHeads returns the article posts made to channel since then that
// started a story (not thread replies, not notices), newest first: the
// posts a new report of the same story would reply to.
func (s *Store) StoryHeads(ctx context.Context, channel string, since time.Time) ([]article.Delivery, error) {
	return s.deliveries(ctx, "list story heads", `channel = ? AND state = 'sent' AND thread_ts = '' AND article_id != 0 AND gone = 0 AND created >= ?
		ORDER BY id DESC LIMIT 500`, channel, since.Unix())
}

// ForgetHead records that Slack no longer has the post of delivery id
// (deleted): it heads no thread any more (StoryHeads leaves it out).
func (s *Store) ForgetHead(ctx context.Context, id int64) error {
	return s.exec(ctx, "forget a deleted post", `UPDATE deliveries SET gone = 1, updated = ? WHERE id = ?`, s.Now().Unix(), id)
}

// DeliveryCounts returns how many deliveries are in each state.
func (s *Store) DeliveryCounts(ctx context.Context) (map[article.State]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[article.State]int{}
	for rows.Next() {
		var state article.State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count deliveries: %w", err)
		}
		if state == "posting" { // claimed, its post under way: still pending for anyone who asks
			state = article.Pending
		}
		out[state] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	return out, nil
}

// Recent returns the newest deliveries in state (any state when empty).
func (s *Store) Recent(ctx context.Context, state article.State, limit int) ([]article.Delivery, error) {
	return s.deliveries(ctx, "list recent deliveries", `? = '' OR state = ? ORDER BY id DESC LIMIT ?`, state, state, limit)
}

// ceilUnix rounds up to the second, so a retry is never early.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

func insertNotices(ctx context.Context, tx *Tx, notices []article.Notice, now time.Time) error {
	for _, n := range notices {
		if _, err := insertDelivery(ctx, tx, 0, Outgoing{Message: n}, now); err != nil {
			return err
		}
	}
	return nil
}

func insertDelivery(ctx context.Context, tx *Tx, articleID int64, o Outgoing, now time.Time) (int64, error) {
	row, err := deliveryRow(articleID, o, now)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO deliveries (article_id, channel, payload, state, digest, story, next_attempt, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, row...).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert delivery: %w", err)
	}
	return id, nil
}
