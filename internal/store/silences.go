package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// ErrNoSilence is ExpireSilence's answer for an id that names no silence
// still in force.
var ErrNoSilence = errors.New("no silence in force has that id")

// AddSilence records a silence and returns its id.
func (s *Store) AddSilence(ctx context.Context, sl article.Silence) (int64, error) {
	var id int64
	err := s.inTx(ctx, "add silence", func(tx *Tx, now time.Time) error {
		return tx.QueryRowContext(ctx, `INSERT INTO silences (rule, feed, query, story, origin, starts, ends, created_by, reason, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			sl.Rule, sl.Feed, sl.Query, sl.Story, sl.Origin, sl.Starts.Unix(), sl.Ends.Unix(), sl.By, sl.Reason, now.Unix()).Scan(&id)
	})
	return id, err
}

// ExpireSilence ends a silence in force now, saying who ended it; its end
// is announced as any other's.
func (s *Store) ExpireSilence(ctx context.Context, id int64, by string) error {
	return s.inTx(ctx, "expire silence", func(tx *Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE silences SET ends = ?, expired_by = ? WHERE id = ? AND ends > ?`, now.Unix(), by, id, now.Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSilence
		}
		return nil
	})
}

const silenceColumns = `s.id, s.rule, s.feed, s.query, s.story, s.origin, s.starts, s.ends, s.created_by, s.reason, s.created, s.expired_by,
	(SELECT count(*) FROM matches m WHERE m.silenced = s.id AND m.silenced != 0),
	COALESCE((SELECT a.title FROM deliveries d JOIN articles a ON a.id = d.article_id WHERE d.id = s.story AND s.story != 0), ''),
	COALESCE((SELECT d.channel FROM deliveries d WHERE d.id = s.story AND s.story != 0), '')`

// Silences lists the silences in force now or yet to start, and with all
// those that ended too, newest first.
func (s *Store) Silences(ctx context.Context, all bool) ([]article.Silence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+silenceColumns+` FROM silences s WHERE ? = 1 OR s.ends > ? ORDER BY s.id DESC`, all, s.Now().Unix())
	if err != nil {
		return nil, fmt.Errorf("list silences: %w", err)
	}
	return scanSilences(rows)
}

// ActiveSilences are the silences in force at now that a poll checks its
// matches against: all but story silences (the outbox asks SilenceStory).
func (s *Store) ActiveSilences(ctx context.Context, now time.Time) ([]article.Silence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.rule, s.feed, s.query, s.story, s.origin, s.starts, s.ends, s.created_by, s.reason, s.created, s.expired_by, 0, '', ''
		FROM silences s WHERE s.starts <= ? AND s.ends > ? AND s.story = 0`, now.Unix(), now.Unix())
	if err != nil {
		return nil, fmt.Errorf("read silences: %w", err)
	}
	return scanSilences(rows)
}

func scanSilences(rows *sql.Rows) ([]article.Silence, error) {
	defer rows.Close()
	var out []article.Silence
	for rows.Next() {
		var sl article.Silence
		var starts, ends, created int64
		if err := rows.Scan(&sl.ID, &sl.Rule, &sl.Feed, &sl.Query, &sl.Story, &sl.Origin, &starts, &ends, &sl.By, &sl.Reason, &created, &sl.ExpiredBy, &sl.Silenced, &sl.Headline, &sl.Channel); err != nil {
			return nil, fmt.Errorf("read silences: %w", err)
		}
		sl.Starts, sl.Ends, sl.Created = fromUnix(starts), fromUnix(ends), fromUnix(created)
		out = append(out, sl)
	}
	return out, rows.Err()
}

// AnnounceEnded queues, once, a notice for every silence that ended by
// now and was not announced, to the channel to says ("": none): marking
// it and queueing the notice are one transaction, so two processes or
// polls announce it once.
func (s *Store) AnnounceEnded(ctx context.Context, now time.Time, to func(article.Silence) string) error {
	var due int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM silences WHERE ends <= ? AND announced = 0`, now.Unix()).Scan(&due); err != nil || due == 0 {
		return err // nothing to announce: no write (every poll asks)
	}
	return s.inTx(ctx, "announce ended silences", func(tx *Tx, queued time.Time) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+silenceColumns+` FROM silences s WHERE s.ends <= ? AND s.announced = 0`, now.Unix())
		if err != nil {
			return err
		}
		ended, err := scanSilences(rows) // read whole before writing: one connection
		if err != nil {
			return err
		}
		for i := range ended {
			res, err := tx.ExecContext(ctx, `UPDATE silences SET announced = 1 WHERE id = ? AND announced = 0`, ended[i].ID)
			if err != nil {
				return err
			}
			channel := to(ended[i])
			if n, _ := res.RowsAffected(); n == 0 || channel == "" {
				continue
			}
			n := article.Notice{Channel: channel, Event: article.SilenceEnded, Silence: &ended[i]}
			if err := insertNotices(ctx, tx, []article.Notice{n}, queued); err != nil {
				return err
			}
		}
		return nil
	})
}

// SilencesInForce counts the silences in force at now, of every kind:
// what /metrics reads at each scrape, without counting what each held.
func (s *Store) SilencesInForce(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM silences WHERE starts <= ? AND ends > ?`, now.Unix(), now.Unix()).Scan(&n)
	return n, err
}
