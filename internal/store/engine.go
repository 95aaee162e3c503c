package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The store's SQL is written once, with ? placeholders, and runs on both
// engines: SQLite takes it as written; for PostgreSQL each statement is
// rewritten once ($1, $2…, cached) and a bool argument is sent as 0 or 1,
// since both schemas keep flags in integer columns. Where the engines
// differ in more than that (leases, claims that skip locked rows, the
// schema itself) the store says so at the place.

// conn is the database, rewriting statements for its engine.
type conn struct {
	*sql.DB
	pg bool
}

// Tx is a transaction, rewriting statements for its engine.
type Tx struct {
	*sql.Tx
	pg bool
}

func (c *conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = forEngine(c.pg, q, args)
	return c.DB.ExecContext(ctx, q, args...)
}

func (c *conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = forEngine(c.pg, q, args)
	return c.DB.QueryContext(ctx, q, args...)
}

func (c *conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = forEngine(c.pg, q, args)
	return c.DB.QueryRowContext(ctx, q, args...)
}

// begin starts a transaction.
func (c *conn) begin(ctx context.Context) (*Tx, error) {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, pg: c.pg}, nil
}

func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = forEngine(t.pg, q, args)
	return t.Tx.ExecContext(ctx, q, args...)
}

func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = forEngine(t.pg, q, args)
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = forEngine(t.pg, q, args)
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// PrepareContext prepares a statement; its arguments are sent as given
// (no bool among them).
func (t *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	q, _ = forEngine(t.pg, q, nil)
	return t.Tx.PrepareContext(ctx, q)
}

// rebound caches statements rewritten for PostgreSQL.
var rebound sync.Map // string → string

// forEngine is a statement and its arguments as the engine takes them.
func forEngine(pg bool, q string, args []any) (string, []any) {
	if !pg {
		return q, args
	}
	copied := false
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if !copied { // the caller's slice stays as it was
				args, copied = append([]any(nil), args...), true
			}
			if args[i] = int64(0); b {
				args[i] = int64(1)
			}
		}
	}
	if r, ok := rebound.Load(q); ok {
		return r.(string), args
	}
	r := dollars(q)
	if len(q) < 2048 { // not the batches of many rows: many lengths, each written once
		rebound.Store(q, r)
	}
	return r, args
}

// dollars numbers a statement's ? placeholders $1, $2… (none of the
// store's statements has a ? inside a quoted string).
func dollars(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
