package rules

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/testutil"
)

func TestTheWatchSurvivesTheFolderBeingReplacedOrRenamedBack(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "rules")
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("a.yaml", "query: leader\n")
	var loaded atomic.Value
	loaded.Store(Stamp(dir))
	var changes atomic.Int32
	var mu sync.Mutex
	var lost error
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := Watch(ctx, dir, Watcher{
		Loaded:  func() string { return loaded.Load().(string) },
		Changed: func() { loaded.Store(Stamp(dir)); changes.Add(1) },
		Status:  func(err error) { mu.Lock(); lost = err; mu.Unlock() },
		Rescan:  50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	isLost := func() bool { mu.Lock(); defer mu.Unlock(); return lost != nil }
	step := func(what string, do func()) {
		t.Helper()
		before := changes.Load()
		do()
		testutil.Eventually(t, 10*time.Second, "a reload after "+what, func() bool { return changes.Load() > before })
	}

	step("an edit", func() { write("b.yaml", "query: chief\n") })
	// A deploy script: delete the folder, then copy a new one in its place.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, "the lost folder reported", isLost)
	step("the folder is back, replaced", func() {
		os.Mkdir(dir, 0o755)
		write("a.yaml", "query: emir\n")
	})
	testutil.Eventually(t, 10*time.Second, "the watch restored", func() bool { return !isLost() })
	step("an edit in the new folder", func() { write("c.yaml", "query: caliph\n") })
	// Renamed away and back.
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir+".old", dir); err != nil {
		t.Fatal(err)
	}
	step("an edit after the folder was renamed back", func() { write("d.yaml", "query: commander\n") })
}
