package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestALiveSetKeepsTheLastGoodRulesAndReportsEachProblemOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("name: Haditha\nquery: Haditha\n")
	set, err := Check(dir, []Feed(nil))
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(dir, set, nil)
	// load is what the daemon does on a change: judge, then put in force
	// or note the problems.
	load := func(dir string, feeds []Feed) (*Set, bool, error) {
		stamp := Stamp(dir)
		set, err := Check(dir, feeds)
		if err != nil {
			return nil, l.Refused(stamp, err.Error()), err
		}
		l.Put(dir, stamp, set)
		return set, true, nil
	}
	write("name: Haditha\nquery: Haditha AND (\n")
	if _, fresh, err := load(dir, []Feed(nil)); err == nil || !fresh {
		t.Fatalf("a broken edit: err %v, fresh %v; want an error reported as new", err, fresh)
	}
	if l.Set() == nil || l.Set().Rules[0].Name != "Haditha" {
		t.Error("the last good rules were not kept")
	}
	if _, fresh, err := load(dir, []Feed(nil)); err == nil || fresh {
		t.Errorf("the same problem again: err %v, fresh %v; want it not reported twice", err, fresh)
	}
	write("name: Haditha\nquery: Haditha OR Hit\n")
	if set, _, err := load(dir, []Feed(nil)); err != nil || set != l.Set() {
		t.Fatalf("a fixed edit: %v", err)
	}
	write("name: Haditha\nquery: Haditha AND (\n")
	if _, fresh, _ := load(dir, []Feed(nil)); !fresh {
		t.Error("a problem that comes back after a good load must be reported again")
	}
	write("name: Haditha\nquery: Haditha\ntests:\n  - title: Bridge opens in Ramadi\n    expect: match\n")
	if _, _, err := load(dir, []Feed(nil)); err == nil || !strings.Contains(err.Error(), "expected match") {
		t.Errorf("a rule whose own test fails: %v, want it refused as check refuses it", err)
	}
	write("name: Haditha\nquery: Haditha\nfeeds: [Wyre]\n")
	if _, _, err := load(dir, []Feed{feedRef("Wire")}); err == nil || !strings.Contains(err.Error(), `r.yaml:3:9: feeds[0]: no configured feed is named "Wyre"`) {
		t.Errorf("a rule naming a feed that is not configured: %v, want it refused as check refuses it", err)
	}
	if d, stamp := l.Dir(); d != dir || stamp != Stamp(dir) {
		t.Errorf("Dir() = %q, %q", d, stamp)
	}
}

func TestChangesSayWhichRulesWereAddedChangedOrRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("haditha.yaml", "name: Haditha\nquery: Haditha\n")
	write("ramadi.yaml", "name: Ramadi\nquery: Ramadi\n")
	old, err := Check(dir, []Feed(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := old.Changes(old); got != "nothing changed" {
		t.Errorf("Changes of the same set = %q", got)
	}
	write("haditha.yaml", "name: Haditha\nquery: Haditha OR Hit\n")
	os.Remove(filepath.Join(dir, "ramadi.yaml"))
	write("qaim.yaml", "name: Qaim\nquery: Qaim\n")
	next, err := Check(dir, []Feed(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := next.Changes(old), "added qaim; changed haditha; removed ramadi"; got != want {
		t.Errorf("Changes = %q, want %q", got, want)
	}
}

// feedRef is a configured feed with a name and no tags.
type feedRef string

func (f feedRef) FeedName() string   { return string(f) }
func (f feedRef) FeedTags() []string { return nil }
