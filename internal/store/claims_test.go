package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

func mustClaim(t *testing.T, s *Store, id int64) {
	t.Helper()
	if ok, err := s.Claim(context.Background(), id); err != nil || !ok {
		t.Fatalf("claim delivery %d: %v %v", id, ok, err)
	}
}

// Two processes on one database (the design PostgreSQL will share): each
// delivery is claimed by one, outcomes count only against the claim, and
// a claim left by a dead process is released or expires.
func TestADeliveryIsClaimedOnceAndItsOutcomeRecordedOnlyByItsClaimant(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		path := target
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		a, b := open(t, path), open(t, path)
		a.Now, b.Now = func() time.Time { return now }, func() time.Time { return now }
		must(t, a.Enqueue(ctx, article.Notice{Channel: "#ops", Text: "one"}, article.Notice{Channel: "#ops", Text: "two"}))
		due, _ := a.Due(ctx, 10)
		if len(due) != 2 {
			t.Fatalf("%d due, want 2", len(due))
		}
		one, two := due[0].ID, due[1].ID

		mustClaim(t, a, one)
		if ok, err := b.Claim(ctx, one); ok || err != nil {
			t.Fatalf("a second claimant got delivery %d: %v %v", one, ok, err)
		}
		if err := b.MarkSent(ctx, one, "ts-b", nil); !errors.Is(err, article.ErrChanged) {
			t.Errorf("an outcome recorded without the claim: %v, want article.ErrChanged", err)
		}
		must(t, a.MarkSent(ctx, one, "ts-a", nil))
		if ok, _ := a.Claim(ctx, one); ok {
			t.Error("a sent delivery was claimed again: a stale list would post it twice")
		}
		if err := a.MarkSent(ctx, one, "ts-again", nil); !errors.Is(err, article.ErrChanged) {
			t.Errorf("sent twice: %v, want article.ErrChanged", err)
		}

		// b claims the other and dies. Until its lease ends, a cannot take it;
		// the lock holder's start-up releases it; so does the lease ending.
		mustClaim(t, b, two)
		if ok, _ := a.Claim(ctx, two); ok {
			t.Error("a live claim was taken over")
		}
		if counts, _ := a.DeliveryCounts(ctx); counts[article.Pending] != 1 || counts[article.Sent] != 1 {
			t.Errorf("counts = %v, want the one being posted counted as pending", counts)
		}
		a.Now = func() time.Time { return now.Add(ClaimLease + time.Second) }
		if due, _ := a.Due(ctx, 10); len(due) != 1 || due[0].ID != two {
			t.Errorf("due after the lease = %+v, want the delivery whose claim expired", due)
		}
		mustClaim(t, a, two)
		if err := b.MarkSent(ctx, two, "ts-late", nil); !errors.Is(err, article.ErrChanged) {
			t.Errorf("the claimant whose lease ended recorded an outcome: %v", err)
		}
		must(t, a.MarkRetry(ctx, two, now, "later", false))
		mustClaim(t, b, two)
		if a.Engine() == "postgres" { // b may be alive: its claim holds until it expires
			a.Now = b.Now
			if n, err := a.ReleaseClaims(ctx); err != nil || n != 0 {
				t.Fatalf("ReleaseClaims = %d, %v; on PostgreSQL another process's claim must wait for its lease", n, err)
			}
			if ok, _ := a.Claim(ctx, two); ok {
				t.Fatal("a live claim of another process was taken over at start-up")
			}
			return
		}
		if n, err := a.ReleaseClaims(ctx); err != nil || n != 1 {
			t.Fatalf("ReleaseClaims = %d, %v; want the one claim of the other process", n, err)
		}
		mustClaim(t, a, two)
		if n, _ := a.ReleaseClaims(ctx); n != 0 {
			t.Errorf("ReleaseClaims released %d of its own claims", n)
		}
	})
}

func TestADatabaseOfANewerFeedwatchIsRefusedNamingBothVersions(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		path := target
		s := open(t, path)
		if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, applied) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), "its schema is version 99, written by a newer feedwatch; this one knows up to version 10") {
			t.Fatalf("Open = %v, want a refusal naming both versions", err)
		}
	})
}

func TestAnUnreadableRowIsListedAsSuchAndTheOthersStillAre(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		must(t, s.Enqueue(ctx, article.Notice{Channel: "#a", Text: "one"}, article.Notice{Channel: "#b", Text: "two"}))
		if _, err := s.db.Exec(`UPDATE deliveries SET payload = '{"kind":"hologram"}' WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		due, err := s.Due(ctx, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("Due = %d, %v; want both rows", len(due), err)
		}
		if u, ok := due[0].Message.(article.Unreadable); !ok || u.Channel != "#a" || !strings.Contains(u.Err, `unknown message kind "hologram"`) {
			t.Errorf("the bad row = %+v, want it named unreadable with its channel and why", due[0].Message)
		}
		if n, ok := due[1].Message.(article.Notice); !ok || n.Text != "two" {
			t.Errorf("the good row = %+v", due[1].Message)
		}
	})
}

func TestOneLockPerDatabaseHoweverItsPathIsSpelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "fw.db")
	release, err := Lock(path, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := os.Symlink(path, filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "data"), filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{filepath.Join(dir, "link.db"), filepath.Join(dir, "alias", "fw.db"), filepath.Join(dir, "data", ".", "fw.db")} {
		if rel, err := Lock(other, "once"); !errors.Is(err, ErrInUse) {
			if err == nil {
				rel()
			}
			t.Errorf("Lock(%s) = %v, want it refused: it is the same database", other, err)
		}
	}
}

func TestNothingIsClaimedOnceTheDatabaseFileIsReplaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fw.db")
	s := open(t, path)
	must(t, s.Enqueue(ctx, article.Notice{Channel: "#a", Text: "one"}))
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx, 1); ok || err == nil || !strings.Contains(err.Error(), "deleted or replaced") {
		t.Errorf("Claim after the file was moved away = %v, %v; want it refused", ok, err)
	}
}
