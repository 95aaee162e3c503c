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
//
// On SQLite it also keeps each statement prepared (stmts): the driver
// compiles a statement given as text at every call, and compiling was 7 %
// of a cold poll's CPU. pgx keeps PostgreSQL's statements prepared itself.
type conn struct {
	*sql.DB
	pg    bool
	stmts stmtCache
}

// Tx is a transaction, rewriting statements for its engine.
type Tx struct {
	*sql.Tx
	pg bool
	c  *conn
}

func (c *conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = forEngine(c.pg, q, args)
	if st := c.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.DB.ExecContext(ctx, q, args...)
}

func (c *conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = forEngine(c.pg, q, args)
	if st := c.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.DB.QueryContext(ctx, q, args...)
}

func (c *conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = forEngine(c.pg, q, args)
	if st := c.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.DB.QueryRowContext(ctx, q, args...)
}

// begin starts a transaction.
func (c *conn) begin(ctx context.Context) (*Tx, error) {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, pg: c.pg, c: c}, nil
}

func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = forEngine(t.pg, q, args)
	if st := t.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = forEngine(t.pg, q, args)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = forEngine(t.pg, q, args)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// prepared is q prepared on the transaction's connection (once per
// connection: database/sql keeps it), or nil where statements are not
// kept.
func (t *Tx) prepared(ctx context.Context, q string) *sql.Stmt {
	if st := t.c.prepared(ctx, q); st != nil {
		return t.Tx.StmtContext(ctx, st) // closed with the transaction; the connection's stays
	}
	return nil
}

// prepared is q kept prepared, or nil: on PostgreSQL; for what is not one
// query or change of rows (a migration's script, a pragma, a savepoint);
// once stmtCacheSize statements are kept; or when q does not prepare
// (then running it as text says why).
func (c *conn) prepared(ctx context.Context, q string) *sql.Stmt {
	if c.pg || !dml(q) {
		return nil
	}
	return c.stmts.get(ctx, c.DB, q)
}

// dml reports whether q is one SELECT, INSERT, UPDATE, DELETE or WITH
// statement.
func dml(q string) bool {
	if strings.Contains(q, ";") {
		return false
	}
	q = strings.TrimLeft(q, " \t\n")
	for _, verb := range [...]string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if len(q) > len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return true
		}
	}
	return false
}

// stmtCacheSize bounds the statements kept: the store's own, a few shapes
// each of its batches (padded or split to fixed sizes so that they are
// few), with room to spare.
const stmtCacheSize = 256

// stmtCache keeps statements prepared, by text.
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

// get is q kept prepared, or nil (see prepared). A statement is prepared
// without the lock held: preparing takes a connection, and a caller in a
// transaction holds one while it asks.
func (sc *stmtCache) get(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	sc.mu.Lock()
	st, ok := sc.m[q]
	full := sc.closed || len(sc.m) >= stmtCacheSize
	sc.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if kept, ok := sc.m[q]; ok || sc.closed { // another caller kept it first, or the store closed meanwhile
		st.Close()
		return kept
	}
	if sc.m == nil {
		sc.m = map[string]*sql.Stmt{}
	}
	sc.m[q] = st
	return st
}

// close closes the statements kept.
func (sc *stmtCache) close() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, st := range sc.m {
		st.Close()
	}
	sc.m, sc.closed = nil, true
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
