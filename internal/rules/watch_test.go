package rules

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
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

// TestADeployThatReplacesTheFolderIsNoError: rm -rf rules && cp -r new
// rules, as deploy scripts do, reloads the new files once they are all
// there and never reports the folder lost.
func TestADeployThatReplacesTheFolderIsNoError(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "rules")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("query: leader\n"), 0o644)
	var loaded atomic.Value
	loaded.Store(Stamp(dir))
	var reloads []string
	var mu sync.Mutex
	var reported []error
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := Watch(ctx, dir, Watcher{
		Loaded: func() string { return loaded.Load().(string) },
		Changed: func() {
			mu.Lock()
			defer mu.Unlock()
			names, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			reloads = append(reloads, strconv.Itoa(len(names)))
			loaded.Store(Stamp(dir))
		},
		Status: func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() },
		Rescan: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	time.Sleep(60 * time.Millisecond) // a rescan sees it missing
	os.Mkdir(dir, 0o755)
	for _, n := range []string{"a", "b", "c"} {
		os.WriteFile(filepath.Join(dir, n+".yaml"), []byte("query: emir\n"), 0o644)
		time.Sleep(20 * time.Millisecond) // cp copies one file after another
	}
	testutil.Eventually(t, 10*time.Second, "the new rules reloaded", func() bool { return loaded.Load().(string) == Stamp(dir) })
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 0 {
		t.Errorf("the folder was reported lost: %v", reported)
	}
	if len(reloads) == 0 || reloads[0] != "3" {
		t.Errorf("reloads saw %v files: the first reload should see the whole copy", reloads)
	}
}
