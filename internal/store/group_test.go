package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestWritesCommittedTogetherStayEachCallersOwn: many callers writing at
// once are committed in shared transactions (group commit), yet each
// gets its own outcome: a caller whose work fails has none of its writes
// kept and the others all of theirs; a cancelled caller writes nothing.
func TestWritesCommittedTogetherStayEachCallersOwn(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	ctx := context.Background()
	errBoom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, 40)
	for i := range results {
		wg.Go(func() {
			c := ctx
			if i == 7 {
				cc, cancel := context.WithCancel(ctx)
				cancel()
				c = cc
			}
			results[i] = s.inTx(c, "write", func(tx *sql.Tx, now time.Time) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (name, url) VALUES (?, '')`, fmt.Sprintf("feed %d", i)); err != nil {
					return err
				}
				if i%10 == 3 {
					return errBoom // after writing: the write must be undone
				}
				return nil
			})
		})
	}
	wg.Wait()
	states, err := s.FeedStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, st := range states {
		kept[st.Name] = true
	}
	for i, err := range results {
		name := fmt.Sprintf("feed %d", i)
		switch {
		case i%10 == 3:
			if !errors.Is(err, errBoom) || kept[name] {
				t.Errorf("%s: failed work: err %v, kept %v", name, err, kept[name])
			}
		case i == 7:
			if !errors.Is(err, context.Canceled) || kept[name] {
				t.Errorf("%s: cancelled: err %v, kept %v", name, err, kept[name])
			}
		default:
			if err != nil || !kept[name] {
				t.Errorf("%s: err %v, kept %v", name, err, kept[name])
			}
		}
	}
}
