package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// IsRuleFile reports whether a file of the rules folder is read as a rule
// or lists file: *.yaml or *.yml, not hidden.
func IsRuleFile(name string) bool {
	base := filepath.Base(name)
	ext := filepath.Ext(base)
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(base, ".")
}

// Stamp sums up the rule files of dir (names, sizes, times), to tell
// whether they changed.
func Stamp(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		if !IsRuleFile(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

// settle lets a burst of file events (an editor's write, rename and chmod)
// settle before the rules are read again.
const settle = 300 * time.Millisecond

// Watcher says what Watch calls.
type Watcher struct {
	// Loaded is the Stamp of the files as they were last read.
	Loaded func() string
	// Changed is called, once a burst of events has settled, when the
	// files differ from what was last read.
	Changed func()
	// Status is called with an error while the folder cannot be watched
	// (deleted, replaced and not yet back), and with nil once it is again.
	Status func(error)
	// Rescan is how often the folder is checked as a safety net: that it
	// is still the folder being watched, and that no change went unseen.
	// 0 means 2 s.
	Rescan time.Duration
}

// Watch watches the rules folder dir until ctx ends. It watches the
// folder, not the files, because editors save by writing a new file and
// renaming it over the old one; and it survives the folder itself being
// deleted, replaced (rm -rf rules && cp -r new rules) or renamed away and
// back, as deploy scripts do: a rescan notices a folder that is not the one
// watched, watches the new one and reloads.
func Watch(ctx context.Context, dir string, w Watcher) error {
	if w.Rescan <= 0 {
		w.Rescan = 2 * time.Second
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch rules: %w", err)
	}
	st := &watchState{dir: filepath.Clean(dir), fw: fw, w: w}
	if err := st.add(); err != nil {
		fw.Close()
		return fmt.Errorf("watch rules directory %s: %w", dir, err)
	}
	if st.check(time.Now()) { // a change made before the watch began made no event
		w.Changed()
	}
	go st.loop(ctx)
	return nil
}

type watchState struct {
	dir     string
	fw      *fsnotify.Watcher
	w       Watcher
	watched os.FileInfo // the folder being watched
	lost    error       // why it is not, or nil
	missing time.Time   // since when the folder is missing; zero while it is there
}

// missingGrace is how long the folder may be missing before it is said:
// a deploy (rm -rf rules && cp -r new rules) replaces it in a moment, and
// that is no error.
func (st *watchState) missingGrace() time.Duration { return 3 * st.w.Rescan }

func (st *watchState) add() error {
	info, err := os.Stat(st.dir)
	if err != nil {
		return err
	}
	if err := st.fw.Add(st.dir); err != nil {
		return err
	}
	st.watched = info
	return nil
}

func (st *watchState) loop(ctx context.Context) {
	defer st.fw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	pending := false // the timer runs: a reload is due when it fires
	rescan := time.NewTicker(st.w.Rescan)
	defer rescan.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-st.fw.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) == st.dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				st.check(time.Now()) // gone or replaced: a rescan finds the new one
			} else if IsRuleFile(ev.Name) {
				timer.Reset(settle)
				pending = true
			}
		case err, ok := <-st.fw.Errors:
			if !ok {
				return
			}
			st.setLost(fmt.Errorf("watch rules directory %s: %w", st.dir, err))
		case <-timer.C:
			pending = false
			st.w.Changed()
		case <-rescan.C:
			if st.check(time.Now()) && !pending {
				timer.Reset(settle) // a folder just put back may still be being copied
				pending = true
			}
		}
	}
}

// check makes sure the folder at dir is the one watched, re-watching it
// if it was replaced, and says whether the files changed unseen. A folder
// missing for less than missingGrace is a deploy in progress: nothing is
// said and nothing reloads until it is back.
func (st *watchState) check(now time.Time) (changed bool) {
	info, err := os.Stat(st.dir)
	if err != nil {
		if st.missing.IsZero() {
			st.missing = now
		}
		if now.Sub(st.missing) >= st.missingGrace() {
			st.setLost(fmt.Errorf("rules directory %s: %w", st.dir, err))
		}
		return false
	}
	st.missing = time.Time{}
	if st.lost != nil || !os.SameFile(info, st.watched) {
		_ = st.fw.Remove(st.dir) // the old folder's watch, if it still exists
		if err := st.add(); err != nil {
			st.setLost(fmt.Errorf("watch rules directory %s: %w", st.dir, err))
			return false
		}
		st.setLost(nil)
	}
	return Stamp(st.dir) != st.w.Loaded()
}

func (st *watchState) setLost(err error) {
	if (err == nil) != (st.lost == nil) || err != nil && err.Error() != st.lost.Error() {
		st.w.Status(err)
	}
	st.lost = err
}
