package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/secret"
)

// FeedState returns the state of the named feed; a feed never polled has
// the zero state with Name set.
func (s *Store) FeedState(ctx context.Context, name string) (article.FeedState, error) {
	st := article.FeedState{Name: name}
	var attempt, success, due int64
	err := s.db.QueryRowContext(ctx, `SELECT url, etag, last_modified, last_attempt, last_success, last_error, failures, next_due
		FROM feeds WHERE name = ?`, name).
		Scan(&st.URL, &st.ETag, &st.LastModified, &attempt, &success, &st.LastError, &st.Failures, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read feed state %q: %w", name, err)
	}
	st.LastAttempt, st.LastSuccess, st.NextDue = fromUnix(attempt), fromUnix(success), fromUnix(due)
	return st, nil
}

// SaveFeedState records a feed's state on its own (a failed fetch), with
// any operator notices to deliver, in one transaction.
func (s *Store) SaveFeedState(ctx context.Context, st article.FeedState, notices ...article.Notice) error {
	return s.inTx(ctx, fmt.Sprintf("save state of feed %q", st.Name), func(tx *Tx, now time.Time) error {
		if err := s.fence(ctx, tx, st.Name); err != nil {
			return err
		}
		if err := saveFeedState(ctx, tx, st); err != nil {
			return err
		}
		return insertNotices(ctx, tx, notices, now)
	})
}

func saveFeedState(ctx context.Context, tx *Tx, st article.FeedState) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO feeds (name, url, etag, last_modified, last_attempt, last_success, last_error, failures, next_due)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
			last_attempt = excluded.last_attempt, last_success = excluded.last_success, last_error = excluded.last_error,
			failures = excluded.failures, next_due = excluded.next_due`,
		st.Name, st.URL, st.ETag, st.LastModified, unix(st.LastAttempt), unix(st.LastSuccess), secret.Redact(st.LastError), st.Failures, unix(st.NextDue))
	return err
}

// FeedStates returns every feed's state, by name.
func (s *Store) FeedStates(ctx context.Context) ([]article.FeedState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, url, etag, last_modified, last_attempt, last_success, last_error, failures, next_due
		FROM feeds ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var out []article.FeedState
	for rows.Next() {
		var st article.FeedState
		var attempt, success, due int64
		if err := rows.Scan(&st.Name, &st.URL, &st.ETag, &st.LastModified, &attempt, &success, &st.LastError, &st.Failures, &due); err != nil {
			return nil, fmt.Errorf("list feeds: %w", err)
		}
		st.LastAttempt, st.LastSuccess, st.NextDue = fromUnix(attempt), fromUnix(success), fromUnix(due)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return out, nil
}

// SetMeta records a value the running daemon publishes (the rules in
// force), for status to show.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.exec(ctx, "set "+key, `INSERT INTO meta (key, value, updated) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated`, key, value, s.Now().Unix())
}

// CheckWrite proves the database takes writes again (a delivery paused
// because an outcome could not be recorded resumes on it, not on a read).
func (s *Store) CheckWrite(ctx context.Context) error {
	return s.SetMeta(ctx, "write_check", s.Now().UTC().Format(time.RFC3339))
}

// Meta reads a value SetMeta recorded, and when; ok is false when none was.
func (s *Store) Meta(ctx context.Context, key string) (value string, updated time.Time, ok bool, err error) {
	var at int64
	err = s.db.QueryRowContext(ctx, `SELECT value, updated FROM meta WHERE key = ?`, key).Scan(&value, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("read %s: %w", key, err)
	}
	return value, fromUnix(at), true, nil
}
