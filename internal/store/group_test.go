package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// TestWritesCommittedTogetherStayEachCallersOwn: many callers writing at
// once are committed in shared transactions (group commit), yet each
// gets its own outcome: a caller whose work fails has none of its writes
// kept and the others all of theirs; a cancelled caller writes nothing,
// and one whose work panics fails alone.
func TestWritesCommittedTogetherStayEachCallersOwn(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		s := open(t, target)
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
				results[i] = s.inTx(c, "write", func(tx *Tx, now time.Time) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (name, url) VALUES (?, '')`, fmt.Sprintf("feed %d", i)); err != nil {
						return err
					}
					if i%10 == 3 {
						return errBoom // after writing: the write must be undone
					}
					if i == 9 {
						panic("a bug in one caller's work")
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
			case i == 9:
				if err == nil || !strings.Contains(err.Error(), "panic: a bug") || kept[name] {
					t.Errorf("%s: panicking work: err %v, kept %v", name, err, kept[name])
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
	})
}

// TestASilenceHoldsForItsTimeAndItsEndIsAnnouncedOnce: a silence is in
// force between its start and end, can be ended early, lists the matches
// it held, and its end is queued as a notice once however often asked.
func TestASilenceHoldsForItsTimeAndItsEndIsAnnouncedOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		s := open(t, target)
		ctx := context.Background()
		now := time.Now()
		id, err := s.AddSilence(ctx, article.Silence{Rule: "is-leadership", Starts: now.Add(-time.Minute), Ends: now.Add(time.Hour), By: "alice", Reason: "big event"})
		if err != nil {
			t.Fatal(err)
		}
		active, _ := s.ActiveSilences(ctx, now)
		if len(active) != 1 || active[0].ID != id || active[0].By != "alice" || !active[0].Active(now) {
			t.Fatalf("active = %+v", active)
		}
		if got, _ := s.ActiveSilences(ctx, now.Add(2*time.Hour)); len(got) != 0 {
			t.Errorf("still active after its end: %+v", got)
		}
		if err := s.ExpireSilence(ctx, id+1, "bob"); !errors.Is(err, ErrNoSilence) {
			t.Errorf("expiring a silence that does not exist: %v", err)
		}
		if err := s.ExpireSilence(ctx, id, "bob"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ActiveSilences(ctx, time.Now().Add(time.Second)); len(got) != 0 {
			t.Errorf("in force after it was ended: %+v", got)
		}
		for range 3 {
			if err := s.AnnounceEnded(ctx, time.Now().Add(time.Second), func(article.Silence) string { return "#ops" }); err != nil {
				t.Fatal(err)
			}
		}
		due, _ := s.Due(ctx, 10)
		if len(due) != 1 {
			t.Fatalf("%d notices queued, want 1", len(due))
		}
		n, ok := due[0].Message.(article.Notice)
		if !ok || n.Event != article.SilenceEnded || n.Silence == nil || n.Silence.ExpiredBy != "bob" || n.Channel != "#ops" {
			t.Errorf("notice = %+v", due[0].Message)
		}
		all, _ := s.Silences(ctx, true)
		if len(all) != 1 || all[0].ExpiredBy != "bob" {
			t.Errorf("all silences = %+v", all)
		}
	})
}
