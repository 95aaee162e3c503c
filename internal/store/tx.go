package store

import (
	"context"
	"fmt"
	"time"
)

// inTx runs fn in one transaction at the store's clock; op names it in
// errors. Nothing fn wrote survives an error.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *Tx, now time.Time) error) error {
	if s.db.pg { // PostgreSQL takes concurrent writers: each its own transaction, at once
		return s.ownTx(ctx, op, fn)
	}
	r := &txReq{ctx: ctx, op: op, fn: fn, done: make(chan struct{}), lead: make(chan struct{})}
	s.qmu.Lock()
	s.queue = append(s.queue, r)
	if !s.leading { // nobody commits: this caller does, for all who queued
		s.leading = true
		close(r.lead)
	}
	s.qmu.Unlock()
	select {
	case <-r.done: // committed by another caller
		return r.err
	case <-r.lead:
	}
	s.qmu.Lock()
	batch := s.queue
	s.queue = nil
	s.qmu.Unlock()
	s.commitBatch(batch) // r is in it: r.lead was closed while r was queued
	s.qmu.Lock()
	if len(s.queue) > 0 { // hand over to the first who queued meanwhile: this caller's own work is done
		close(s.queue[0].lead)
	} else {
		s.leading = false
	}
	s.qmu.Unlock()
	return r.err
}

// ownTx runs fn in a transaction of its own.
func (s *Store) ownTx(ctx context.Context, op string, fn func(tx *Tx, now time.Time) error) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := run(fn, tx, s.Now()); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// txReq is one caller's transaction, waiting to be committed with others.
type txReq struct {
	ctx  context.Context
	op   string
	fn   func(tx *Tx, now time.Time) error
	err  error
	done chan struct{} // closed once committed (or failed)
	lead chan struct{} // closed when this caller is to commit the queue
}

// commitBatch commits the transactions of several callers as one (group
// commit: what waited while another committed goes in the next batch),
// each in a savepoint of its own, so one caller's failure undoes its own
// writes only. A failed commit fails them all.
func (s *Store) commitBatch(batch []*txReq) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	tx, err := s.db.begin(context.Background()) // not one caller's: it may end first
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("%s: %w", r.op, err)
		}
		return
	}
	defer tx.Rollback()
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			r.err = fmt.Errorf("%s: %w", r.op, r.err)
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT one`); err != nil {
			r.err = fmt.Errorf("%s: %w", r.op, err)
			continue
		}
		if err := run(r.fn, tx, s.Now()); err != nil {
			r.err = fmt.Errorf("%s: %w", r.op, err)
			tx.Exec(`ROLLBACK TO one`)
		}
		tx.Exec(`RELEASE one`)
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			if r.err == nil {
				r.err = fmt.Errorf("%s: %w", r.op, err)
			}
		}
	}
}

// run runs one caller's work; a panic in it fails that caller only, and
// never leaves the others waiting.
func run(fn func(*Tx, time.Time) error, tx *Tx, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(tx, now)
}
