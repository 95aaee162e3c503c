package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// A poll's articles, matches and deliveries are written a few hundred
// rows to a statement (insertItems) rather than one each. On PostgreSQL
// every statement is a round trip to the server; on SQLite, in-process,
// a statement a row cost a third more than the statements of a batch
// (BenchmarkStore: a poll of 20 articles, 3.2–3.4 ms a row at a time,
// 2.0–2.1 ms in batches).

// batchRows is how many rows one statement carries on PostgreSQL: under
// its 65,535 parameters at 12 a row.
const batchRows = 400

// chunk is how many of n rows (n > 0) the next statement of a batch
// carries: on PostgreSQL up to batchRows; on SQLite the largest power of
// two up to 64, so that the statements have a few shapes, each kept
// prepared (conn.prepared).
func (t *Tx) chunk(n int) int {
	if t.pg {
		return min(n, batchRows)
	}
	c := 64
	for c > n {
		c /= 2
	}
	return c
}

// insertItems writes the articles of a poll, their matches and their
// deliveries, in batches.
func insertItems(ctx context.Context, tx *Tx, items []Item, now time.Time) error {
	ids, err := upsertArticles(ctx, tx, items, now)
	if err != nil {
		return err
	}
	var matches, deliveries [][]any
	for _, it := range items {
		id := ids[it.Article.Feed+"\x00"+it.Article.Identity]
		for _, m := range it.Matches {
			matches = append(matches, []any{id, m.RuleID, now.Unix(), m.Silenced})
		}
		for _, o := range it.Outgoing {
			row, err := deliveryRow(id, o, now)
			if err != nil {
				return err
			}
			deliveries = append(deliveries, row)
		}
	}
	if err := insertRows(ctx, tx, `INSERT INTO matches (article_id, rule_id, matched_at, silenced) VALUES `, matches, ` ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("matches: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO deliveries (article_id, channel, payload, state, digest, story, next_attempt, created, updated) VALUES `, deliveries, ``); err != nil {
		return fmt.Errorf("insert delivery: %w", err)
	}
	return nil
}

// upsertArticles writes the articles of items, an article listed twice
// once (as its last listing: what one upsert after another leaves), and
// returns their ids by feed and identity.
func upsertArticles(ctx context.Context, tx *Tx, items []Item, now time.Time) (map[string]int64, error) {
	last := map[string]int{}
	var keys []string
	for i, it := range items {
		k := it.Article.Feed + "\x00" + it.Article.Identity
		if _, ok := last[k]; !ok {
			keys = append(keys, k)
		}
		last[k] = i
	}
	ids := make(map[string]int64, len(keys))
	for start := 0; start < len(keys); {
		part := keys[start : start+tx.chunk(len(keys)-start)]
		start += len(part)
		rows := make([][]any, len(part))
		for i, k := range part {
			it := items[last[k]]
			a := it.Article
			rows[i] = []any{a.Feed, a.Identity, a.Link, a.Title, a.Summary, a.Content, a.Author,
				strings.Join(a.Categories, "\n"), unix(a.Published), now.Unix(), it.Hash, article.CanonicalLink(a.Link)}
		}
		q, args := valuesOf(`INSERT INTO articles (feed, identity, link, title, summary, content, author, categories, published, first_seen, content_hash, canon) VALUES `, rows)
		res, err := tx.QueryContext(ctx, q+` ON CONFLICT (feed, identity) DO UPDATE SET link = excluded.link, canon = excluded.canon, title = excluded.title, summary = excluded.summary,
			content = excluded.content, author = excluded.author, categories = excluded.categories,
			published = excluded.published, content_hash = excluded.content_hash
		RETURNING id, feed, identity`, args...)
		if err != nil {
			return nil, fmt.Errorf("articles: %w", err)
		}
		for res.Next() {
			var id int64
			var feed, identity string
			if err := res.Scan(&id, &feed, &identity); err != nil {
				res.Close()
				return nil, fmt.Errorf("articles: %w", err)
			}
			ids[feed+"\x00"+identity] = id
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, fmt.Errorf("articles: %w", err)
		}
	}
	return ids, nil
}

// insertRows runs head VALUES (…), (…)… tail over rows, a chunk at a
// time.
func insertRows(ctx context.Context, tx *Tx, head string, rows [][]any, tail string) error {
	for start := 0; start < len(rows); {
		part := rows[start : start+tx.chunk(len(rows)-start)]
		start += len(part)
		q, args := valuesOf(head, part)
		if _, err := tx.ExecContext(ctx, q+tail, args...); err != nil {
			return err
		}
	}
	return nil
}

// valuesOf is head followed by a ( ?, … ) group per row, and the rows'
// values in order.
func valuesOf(head string, rows [][]any) (string, []any) {
	var b strings.Builder
	b.WriteString(head)
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
		args = append(args, r...)
	}
	return b.String(), args
}

// deliveryRow is the outbox row of o for article articleID: article_id,
// channel, payload, state, digest, story, next_attempt, created, updated.
func deliveryRow(articleID int64, o Outgoing, now time.Time) ([]any, error) {
	payload, err := encodeMessage(o.Message)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	state := article.Pending
	if o.HoldFor != "" {
		state = article.Held
	}
	return []any{articleID, o.Message.Target(), payload, state, o.HoldFor, string(o.Story), now.Unix(), now.Unix(), now.Unix()}, nil
}
