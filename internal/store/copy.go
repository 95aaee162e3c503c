package store

import (
	"context"
	"fmt"
	"strings"
)

// copied are the tables a copy carries, parents first: what feedwatch
// recorded. Leases, job runs and processes belong to the processes of
// the database they were taken on.
var copied = []string{"feeds", "articles", "matches", "deliveries", "meta", "silences", "actions", "feedback"}

// CopyFrom copies everything from recorded (a SQLite database) into s (an
// empty PostgreSQL database), in one transaction: all of it or nothing.
// It returns how many rows each table received, and refuses a target that
// already holds articles or deliveries.
func (s *Store) CopyFrom(ctx context.Context, from *Store) (map[string]int64, error) {
	if !s.db.pg || from.db.pg {
		return nil, fmt.Errorf("copy: from a SQLite database into a PostgreSQL one only")
	}
	var held int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM deliveries)`).Scan(&held); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	if held > 0 {
		return nil, fmt.Errorf("copy: %s already holds %d articles and deliveries: copy into an empty database", s.where, held)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer tx.Rollback()
	counts := map[string]int64{}
	for _, table := range copied {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil { // a feed state or meta row a start-up wrote
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		if counts[table], err = copyTable(ctx, from, tx, table); err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		if table != "feeds" && table != "meta" { // ids go on after the highest copied
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`); err != nil {
				return nil, fmt.Errorf("copy %s: %w", table, err)
			}
		}
	}
	return counts, tx.Commit()
}

// copyTable copies one table's rows, column by column as named in the
// source.
func copyTable(ctx context.Context, from *Store, tx *Tx, table string) (int64, error) {
	rows, err := from.db.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks+`)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // text, as both schemas keep it
			}
		}
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, rows.Err()
}
