package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Act records an action and, when it is allowed, applies its effect, in
// one transaction. An action whose key was recorded before (Slack
// delivering a click twice, on two sockets or to two processes) changes
// nothing: Act returns the action as first recorded, and false.
// An effect that finds nothing to do (a silence already over) is
// recorded in the outcome, not an error.
func (s *Store) Act(ctx context.Context, a article.Action, e article.Effect) (article.Action, bool, error) {
	fresh := false
	err := s.inTx(ctx, "record an action", func(tx *Tx, now time.Time) error {
		if a.At.IsZero() {
			a.At = now
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO actions (key, at, who, action, target, allowed, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING RETURNING id`, a.Key, a.At.Unix(), a.User, string(a.Kind), a.Target, a.Allowed, a.Outcome).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) { // recorded before: as it was then
			return scanAction(tx.QueryRowContext(ctx, `SELECT `+actionCols+` FROM actions WHERE key = ?`, a.Key), &a)
		} else if err != nil {
			return err
		}
		fresh = true
		if !a.Allowed {
			return nil
		}
		outcome, err := apply(ctx, tx, e, a, now)
		if err != nil {
			return err
		}
		a.Outcome = strings.TrimSpace(a.Outcome + " " + outcome)
		_, err = tx.ExecContext(ctx, `UPDATE actions SET outcome = ? WHERE id = ?`, a.Outcome, a.ID)
		return err
	})
	return a, fresh, err
}

// apply makes e's changes and says what they were.
func apply(ctx context.Context, tx *Tx, e article.Effect, a article.Action, now time.Time) (string, error) {
	var done []string
	for _, sl := range e.Silences {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO silences (rule, feed, query, story, origin, starts, ends, created_by, reason, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			sl.Rule, sl.Feed, sl.Query, sl.Story, sl.Origin, sl.Starts.Unix(), sl.Ends.Unix(), sl.By, sl.Reason, now.Unix()).Scan(&id); err != nil {
			return "", err
		}
		done = append(done, fmt.Sprintf("silence #%d until %s", id, sl.Ends.UTC().Format(time.RFC3339)))
	}
	for _, id := range e.Expire {
		res, err := tx.ExecContext(ctx, `UPDATE silences SET ends = ?, expired_by = ? WHERE id = ? AND ends > ?`, now.Unix(), a.User, id, now.Unix())
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			done = append(done, fmt.Sprintf("silence #%d was already over", id))
		} else {
			done = append(done, fmt.Sprintf("silence #%d ended", id))
		}
	}
	for _, f := range e.Feedback {
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback (article_id, rule_id, delivery_id, verdict, who, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (article_id, rule_id) DO UPDATE SET verdict = excluded.verdict, who = excluded.who, at = excluded.at, delivery_id = excluded.delivery_id, undone_by = ''`,
			f.ArticleID, f.Rule, f.Delivery, f.Verdict, a.User, now.Unix()); err != nil {
			return "", err
		}
		done = append(done, fmt.Sprintf("%s for rule %s", f.Verdict, f.Rule))
	}
	for _, id := range e.Retract {
		if _, err := tx.ExecContext(ctx, `UPDATE feedback SET undone_by = ? WHERE id = ? AND undone_by = ''`, a.User, id); err != nil {
			return "", err
		}
		done = append(done, fmt.Sprintf("verdict #%d taken back", id))
	}
	return strings.Join(done, "; "), nil
}

const actionCols = `id, at, who, action, target, allowed, outcome`

type scanner interface{ Scan(...any) error }

func scanAction(row scanner, a *article.Action) error {
	var at int64
	var kind string
	if err := row.Scan(&a.ID, &at, &a.User, &kind, &a.Target, &a.Allowed, &a.Outcome); err != nil {
		return err
	}
	a.At, a.Kind = fromUnix(at), article.ActionKind(kind)
	return nil
}

// Actions lists the recorded actions since a time, newest first: the
// audit of who did what from Slack.
func (s *Store) Actions(ctx context.Context, since time.Time) ([]article.Action, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionCols+` FROM actions WHERE at >= ? ORDER BY id DESC`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	var out []article.Action
	for rows.Next() {
		var a article.Action
		if err := scanAction(rows, &a); err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Posted finds the message posted with Slack's ts: the delivery, its
// article, the rules that matched the article, and the head of its story.
func (s *Store) Posted(ctx context.Context, ts string) (article.Posted, error) {
	var p article.Posted
	if ts == "" {
		return p, article.ErrNotPosted
	}
	ds, err := s.deliveries(ctx, "find a posted message", `slack_ts = ? AND state = 'sent' ORDER BY id LIMIT 1`, ts)
	if err != nil || len(ds) == 0 {
		return p, cmpErr(err, article.ErrNotPosted)
	}
	p.Delivery, p.Head = ds[0], ds[0].ID
	if ds[0].ParentID != 0 && ds[0].ThreadTS != "" {
		p.Head = ds[0].ParentID
	}
	if err := s.db.QueryRowContext(ctx, `SELECT article_id FROM deliveries WHERE id = ?`, p.Delivery.ID).Scan(&p.ArticleID); err != nil {
		return p, fmt.Errorf("find a posted message: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id FROM matches WHERE article_id = ? AND article_id != 0 ORDER BY rule_id`, p.ArticleID)
	if err != nil {
		return p, fmt.Errorf("find a posted message: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return p, err
		}
		p.Rules = append(p.Rules, r)
	}
	return p, rows.Err()
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Marks returns what analysts did on a posted message: the silences set
// from it and the verdicts given on it.
func (s *Store) Marks(ctx context.Context, delivery int64) (article.Marks, error) {
	var m article.Marks
	rows, err := s.db.QueryContext(ctx, `SELECT `+silenceColumns+` FROM silences s WHERE s.origin = ? ORDER BY s.id`, delivery)
	if err != nil {
		return m, fmt.Errorf("read a message's marks: %w", err)
	}
	if m.Silences, err = scanSilences(rows); err != nil {
		return m, err
	}
	frows, err := s.db.QueryContext(ctx, `SELECT id, article_id, rule_id, delivery_id, verdict, who, at, undone_by FROM feedback WHERE delivery_id = ? ORDER BY id`, delivery)
	if err != nil {
		return m, fmt.Errorf("read a message's marks: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var f article.Feedback
		var at int64
		if err := frows.Scan(&f.ID, &f.ArticleID, &f.Rule, &f.Delivery, &f.Verdict, &f.User, &at, &f.UndoneBy); err != nil {
			return m, err
		}
		f.At = fromUnix(at)
		m.Feedback = append(m.Feedback, f)
	}
	return m, frows.Err()
}

// SilenceStory holds delivery id when a silence in force mutes the story
// head heads: the delivery is recorded as merged under head and its
// article's matches as held by the silence. It returns the silence, or 0
// (nothing changed). The outbox asks before every threaded post, so the
// question is a read; only a muted story takes a write.
func (s *Store) SilenceStory(ctx context.Context, id, head int64) (int64, error) {
	var sid int64
	now := s.Now().Unix()
	err := s.db.QueryRowContext(ctx, `SELECT id FROM silences WHERE story = ? AND starts <= ? AND ends > ? ORDER BY id LIMIT 1`, head, now, now).Scan(&sid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("silence a story: %w", err)
	}
	return sid, s.inTx(ctx, "silence a story", func(tx *Tx, now time.Time) error {
		if err := outcome(ctx, tx, s.Owner, id, `state = 'merged', parent_id = ?, last_error = ?, updated = ?`, head, fmt.Sprintf("story muted (silence #%d)", sid), now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE matches SET silenced = ? WHERE silenced = 0 AND article_id = (SELECT article_id FROM deliveries WHERE id = ?)`, sid, id)
		return err
	})
}

// FeedbackWindow is how far back a rule's precision is estimated, and
// FeedbackWait how long a posted alert waits for a "not relevant" before
// it counts as relevant.
const (
	FeedbackWindow = 30 * 24 * time.Hour
	FeedbackWait   = 24 * time.Hour
)

// Precision estimates each rule's precision from the feedback on its
// posted alerts of the last FeedbackWindow: those called not relevant,
// and those posted over FeedbackWait ago that nobody did (relevant).
// Rules with neither are left out.
func (s *Store) Precision(ctx context.Context, now time.Time) (map[string]article.Precision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.rule_id,
		  SUM(CASE WHEN f.id IS NULL AND m.matched_at <= ? THEN 1 ELSE 0 END),
		  SUM(CASE WHEN f.id IS NOT NULL THEN 1 ELSE 0 END)
		FROM matches m
		LEFT JOIN feedback f ON f.article_id = m.article_id AND f.rule_id = m.rule_id AND f.undone_by = '' AND f.verdict = 'not_relevant'
		WHERE m.matched_at > ? AND m.silenced = 0
		  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = m.article_id AND d.state = 'sent')
		GROUP BY m.rule_id`, now.Add(-FeedbackWait).Unix(), now.Add(-FeedbackWindow).Unix())
	if err != nil {
		return nil, fmt.Errorf("estimate precision: %w", err)
	}
	defer rows.Close()
	out := map[string]article.Precision{}
	for rows.Next() {
		var p article.Precision
		if err := rows.Scan(&p.Rule, &p.Relevant, &p.NotRelevant); err != nil {
			return nil, fmt.Errorf("estimate precision: %w", err)
		}
		p.Estimate = -1
		if n := p.Relevant + p.NotRelevant; n > 0 {
			p.Estimate = float64(p.Relevant) / float64(n)
			out[p.Rule] = p
		}
	}
	return out, rows.Err()
}

// Labelled returns the judged examples of the matches since a time: the
// posted ones called not relevant, and those posted over FeedbackWait ago
// that nobody did (relevant), with their articles' text while it is kept.
func (s *Store) Labelled(ctx context.Context, since, now time.Time) ([]article.Labelled, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.rule_id, CASE WHEN f.id IS NULL THEN 'relevant' ELSE 'not_relevant' END,
		  a.title, a.summary, a.content, a.feed, a.link, m.matched_at
		FROM matches m JOIN articles a ON a.id = m.article_id
		LEFT JOIN feedback f ON f.article_id = m.article_id AND f.rule_id = m.rule_id AND f.undone_by = '' AND f.verdict = 'not_relevant'
		WHERE m.matched_at > ? AND m.silenced = 0 AND (f.id IS NOT NULL OR m.matched_at <= ?)
		  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = m.article_id AND d.state = 'sent')
		ORDER BY m.id`, since.Unix(), now.Add(-FeedbackWait).Unix())
	if err != nil {
		return nil, fmt.Errorf("read labelled examples: %w", err)
	}
	defer rows.Close()
	var out []article.Labelled
	for rows.Next() {
		var l article.Labelled
		var summary, content string
		var at int64
		if err := rows.Scan(&l.Rule, &l.Verdict, &l.Title, &summary, &content, &l.Feed, &l.Link, &at); err != nil {
			return nil, fmt.Errorf("read labelled examples: %w", err)
		}
		l.Text, l.At = strings.TrimSpace(summary+"\n\n"+content), fromUnix(at)
		out = append(out, l)
	}
	return out, rows.Err()
}
