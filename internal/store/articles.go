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

// Seen looks up a feed's stored articles by each key's identity,
// canonical link and content hash, with the rules each matched: one
// query for the whole poll (in parts of seenChunk keys), each way of
// finding an article through its own index. A feed with no stored
// article (its first poll, or all of it pruned) is asked one question
// that finds none, not one a key.
func (s *Store) Seen(ctx context.Context, feed string, keys []article.Key) (article.Seen, error) {
	out := article.Seen{ByIdentity: map[string]article.Known{}, ByCanon: map[string]article.Known{}, ByHash: map[string]article.Known{}}
	if len(keys) > 0 {
		var stored int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM articles WHERE feed = ? LIMIT 1) AS one`, feed).Scan(&stored); err != nil {
			return out, fmt.Errorf("look up seen articles: %w", err)
		}
		if stored == 0 {
			return out, nil
		}
	}
	for len(keys) > 0 {
		part := keys[:min(seenChunk, len(keys))]
		keys = keys[len(part):]
		if err := s.seenPart(ctx, feed, part, out); err != nil {
			return out, fmt.Errorf("look up seen articles: %w", err)
		}
	}
	return out, nil
}

// seenChunk is how many keys one query asks about: three lists of
// parameters well within SQLite's limit. A query asks about seenSizes or
// seenChunk keys, padded.
const seenChunk = 300

var seenSizes = [...]int{8, 32, 128}

// seenCols are the ways of finding an article, in Key's order.
var seenCols = [3]string{"identity", "canon", "content_hash"}

func keyParts(k article.Key) [3]string { return [3]string{k.Identity, k.Canon, k.Hash} }

// seenLists are the queries of the ids of feed's articles with each way
// of finding one in vals, and their arguments. Every list is padded with
// NULLs (which match nothing) to one of a few lengths: the statement then
// has a few shapes, each kept prepared.
func seenLists(feed string, vals [3][]any) (parts []string, args []any) {
	n := seenChunk
	for _, size := range seenSizes {
		if len(vals[0]) <= size && len(vals[1]) <= size && len(vals[2]) <= size {
			n = size
			break
		}
	}
	for c, col := range seenCols {
		parts = append(parts, `SELECT id FROM articles WHERE feed = ? AND `+col+` IN (`+strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`)
		args = append(append(args, feed), vals[c]...)
		args = append(args, make([]any, n-len(vals[c]))...)
	}
	return parts, args
}

// seenPart fills out with the articles of feed any of keys finds. The
// first article stored with a key stands for it.
func (s *Store) seenPart(ctx context.Context, feed string, keys []article.Key, out article.Seen) error {
	var asked [3]map[string]bool
	var vals [3][]any
	for c := range seenCols {
		asked[c] = map[string]bool{}
		for _, k := range keys {
			if v := keyParts(k)[c]; v != "" && !asked[c][v] {
				asked[c][v] = true
				vals[c] = append(vals[c], v)
			}
		}
	}
	if len(vals[0])+len(vals[1])+len(vals[2]) == 0 {
		return nil
	}
	parts, args := seenLists(feed, vals)
	// The ids found, then each article by its key: PostgreSQL planned
	// "a.id IN (…)" as a scan of every article.
	rows, err := s.db.QueryContext(ctx, `SELECT a.identity, a.canon, a.content_hash, COALESCE(m.rule_id, '')
		FROM (`+strings.Join(parts, " UNION ")+`) f JOIN articles a ON a.id = f.id LEFT JOIN matches m ON m.article_id = a.id
		ORDER BY a.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	into := [3]map[string]article.Known{out.ByIdentity, out.ByCanon, out.ByHash}
	for rows.Next() {
		var found [3]string
		var rule string
		if err := rows.Scan(&found[0], &found[1], &found[2], &rule); err != nil {
			return err
		}
		for c, key := range found {
			if key == "" || !asked[c][key] {
				continue
			}
			k, ok := into[c][key]
			if !ok { // the first article stored with that key stands for it
				k = article.Known{Identity: found[0], Hash: found[2], Rules: map[string]bool{}}
				into[c][key] = k
			}
			if rule != "" && k.Identity == found[0] {
				k.Rules[rule] = true
			}
		}
	}
	return rows.Err()
}

// Item, Outgoing and StoredArticle are the record types of package
// article, named here as the store's callers know them.
type (
	Item          = article.Item
	Outgoing      = article.Outgoing
	StoredArticle = article.Stored
)

// Record stores a poll's results in one transaction: the feed's new state,
// every new or changed article, its new matches and their deliveries, and
// operator notices. So a match is never recorded without its delivery, nor
// the other way round.
func (s *Store) Record(ctx context.Context, st article.FeedState, items []Item, notices ...article.Notice) error {
	return s.inTx(ctx, fmt.Sprintf("record poll of feed %q", st.Name), func(tx *Tx, now time.Time) error {
		if err := s.fence(ctx, tx, st.Name); err != nil {
			return err
		}
		if err := saveFeedState(ctx, tx, st); err != nil {
			return err
		}
		if err := insertItems(ctx, tx, items, now); err != nil {
			return err
		}
		return insertNotices(ctx, tx, notices, now)
	})
}

// Articles returns stored articles first seen at or after since, oldest
// first.
func (s *Store) Articles(ctx context.Context, since time.Time) ([]StoredArticle, error) {
	return s.RecentArticles(ctx, since, 0)
}

// RecentArticles returns the stored articles first seen at or after
// since, and at least the atLeast newest ones, oldest first.
func (s *Store) RecentArticles(ctx context.Context, since time.Time, atLeast int) ([]StoredArticle, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT feed, identity, link, title, summary, content, author, categories, published, first_seen
		FROM articles WHERE first_seen >= ? OR id IN (SELECT id FROM articles ORDER BY first_seen DESC, id DESC LIMIT ?)
		ORDER BY first_seen, id`, unix(since), atLeast)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var out []StoredArticle
	for rows.Next() {
		var a StoredArticle
		var cats string
		var pub, seen int64
		if err := rows.Scan(&a.Feed, &a.Identity, &a.Link, &a.Title, &a.Summary, &a.Content, &a.Author, &cats, &pub, &seen); err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		if cats != "" {
			a.Categories = strings.Split(cats, "\n")
		}
		a.Published, a.FirstSeen = fromUnix(pub), fromUnix(seen)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

// Leads calls fn with every article first seen at or after since, and
// the atLeast newest, oldest first, holding only what the word
// statistics learn from: feed, identity, headline, and as Summary the
// lead (article.LeadLen characters of the summary, else of the text, as
// route.Lead cuts it). The whole texts are never read into memory: at
// start-up a 20,000-article week cost 297 MB of allocations that way.
// fn must not use the store (the rows are open).
func (s *Store) Leads(ctx context.Context, since time.Time, atLeast int, fn func(a *article.Article, firstSeen time.Time)) error {
	// The atLeast newest reach back to the first_seen of the atLeast-th
	// newest (those sharing it too): one range, read in the index's order,
	// so SQLite sorts nothing (a sort of every row held them all in memory).
	cutoff := unix(since)
	if atLeast > 0 {
		var floor int64
		err := s.db.QueryRowContext(ctx, `SELECT first_seen FROM articles ORDER BY first_seen DESC LIMIT 1 OFFSET ?`, atLeast-1).Scan(&floor)
		switch {
		case errors.Is(err, sql.ErrNoRows): // fewer than atLeast articles: all of them
			cutoff = 0
		case err != nil:
			return fmt.Errorf("read leads: %w", err)
		default:
			cutoff = min(cutoff, floor)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT feed, identity, title, CASE WHEN summary != '' THEN substr(summary, 1, ?) ELSE substr(content, 1, ?) END, first_seen
		FROM articles WHERE first_seen >= ? ORDER BY first_seen, id`, article.LeadLen, article.LeadLen, cutoff)
	if err != nil {
		return fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var a article.Article
	for rows.Next() {
		var seen int64
		if err := rows.Scan(&a.Feed, &a.Identity, &a.Title, &a.Summary, &seen); err != nil {
			return fmt.Errorf("read leads: %w", err)
		}
		a.Summary = article.CutRunes(a.Summary, article.LeadLen) // SQLite counts characters; Go counts an invalid byte as one
		fn(&a, fromUnix(seen))
	}
	return rows.Err()
}

// Prune deletes the articles first seen before cutoff, in small batches so
// that polls are never blocked for long, then gives the freed pages back
// to the file system. Matches and deliveries are kept as history.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.write(ctx, `DELETE FROM articles WHERE id IN (SELECT id FROM articles WHERE first_seen < ? LIMIT 2000)`, cutoff.Unix())
		if err != nil {
			return total, fmt.Errorf("prune articles: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n == 0 {
			break
		}
	}
	if total > 0 && !s.db.pg { // PostgreSQL's autovacuum reclaims on its own
		if _, err := s.write(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return total, fmt.Errorf("prune articles: reclaim space: %w", err)
		}
	}
	return total, nil
}
