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
	l, err := NewLive(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	write("name: Haditha\nquery: Haditha AND (\n")
	if _, fresh, err := l.Load(dir); err == nil || !fresh {
		t.Fatalf("a broken edit: err %v, fresh %v; want an error reported as new", err, fresh)
	}
	if l.Set() == nil || l.Set().Rules[0].Name != "Haditha" {
		t.Error("the last good rules were not kept")
	}
	if _, fresh, err := l.Load(dir); err == nil || fresh {
		t.Errorf("the same problem again: err %v, fresh %v; want it not reported twice", err, fresh)
	}
	write("name: Haditha\nquery: Haditha OR Hit\n")
	if set, _, err := l.Load(dir); err != nil || set != l.Set() {
		t.Fatalf("a fixed edit: %v", err)
	}
	write("name: Haditha\nquery: Haditha AND (\n")
	if _, fresh, _ := l.Load(dir); !fresh {
		t.Error("a problem that comes back after a good load must be reported again")
	}
	write("name: Haditha\nquery: Haditha\ntests:\n  - title: Bridge opens in Ramadi\n    expect: match\n")
	if _, _, err := l.Load(dir); err == nil || !strings.Contains(err.Error(), "expected match") {
		t.Errorf("a rule whose own test fails: %v, want it refused as check refuses it", err)
	}
	if d, stamp := l.Dir(); d != dir || stamp != Stamp(dir) {
		t.Errorf("Dir() = %q, %q", d, stamp)
	}
}
