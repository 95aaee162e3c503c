package rules

import (
	"sync"
	"sync/atomic"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// Live is the rule set in force in a running daemon: loaded from a folder,
// reloaded when asked, kept as it was when a reload finds problems.
type Live struct {
	loaded   func(*Set) // told of every set put in force
	set      atomic.Pointer[Set]
	mu       sync.Mutex
	dir      string
	stamp    string // the files as they were when last read (Stamp)
	reported string // the problems last reported, so each is reported once
}

// NewLive loads dir; loaded, when not nil, is told of every set put in
// force, this one and those of later Loads.
func NewLive(dir string, loaded func(*Set)) (*Live, error) {
	l := &Live{loaded: loaded}
	if _, _, err := l.Load(dir); err != nil {
		return nil, err
	}
	return l, nil
}

// Set is the rule set in force.
func (l *Live) Set() *Set { return l.set.Load() }

// Dir is the folder the rules in force came from, and Stamp how its files
// were when last read.
func (l *Live) Dir() (dir, stamp string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dir, l.stamp
}

// Load reads dir. A valid set whose tests pass replaces the one in force;
// with problems nothing changes and err lists them, with fresh false when the same
// problems were already reported by an earlier Load.
func (l *Live) Load(dir string) (set *Set, fresh bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stamp = Stamp(dir)
	set, err = LoadDir(dir)
	if err == nil {
		// A rule whose own tests: fail is refused as feedwatch check refuses
		// it, or the next restart (systemd runs check first) would fail.
		if ps := set.RunTests(); len(ps) > 0 {
			err = ps
		}
	}
	if err != nil {
		msg := diag.List(dir, err).Error()
		fresh, l.reported = msg != l.reported, msg
		return nil, fresh, err
	}
	l.dir, l.reported = dir, ""
	l.set.Store(set)
	if l.loaded != nil {
		l.loaded(set)
	}
	return set, true, nil
}
