package rules

import (
	"sync"
	"sync/atomic"
)

// Live is the rule set in force in a running daemon: loaded from a folder,
// reloaded when asked, kept as it was when a reload finds problems. Every
// set it puts in force passed Check against the feeds configured then.
type Live struct {
	loaded   func(*Set) // told of every set put in force
	set      atomic.Pointer[Set]
	mu       sync.Mutex
	dir      string
	stamp    string // the files as they were when last read (Stamp)
	reported string // the problems last reported, so each is reported once
}

// NewLive puts set, read from dir (Check), in force; loaded, when not nil,
// is told of every set put in force, this one and those of later Loads.
func NewLive(dir string, set *Set, loaded func(*Set)) *Live {
	l := &Live{loaded: loaded}
	l.Put(dir, Stamp(dir), set)
	return l
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

// Refused notes that the folder, as stamp says it was, has problems
// (msg); it reports whether they are fresh: not the ones reported last.
// The set in force stays.
func (l *Live) Refused(stamp, msg string) (fresh bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stamp = stamp
	fresh, l.reported = msg != l.reported, msg
	return fresh
}

// Put puts set, read from dir when its files were as stamp says, in force.
func (l *Live) Put(dir, stamp string, set *Set) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dir, l.stamp, l.reported = dir, stamp, ""
	l.set.Store(set)
	if l.loaded != nil {
		l.loaded(set)
	}
}
