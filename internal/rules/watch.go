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

// Watch calls changed, once a burst of events has settled, whenever a rule
// or lists file in dir changes, until ctx ends; also once at the start if
// the files differ from stamp (a change made before the watch began). It
// watches the folder, not the files, because editors save by writing a new
// file and renaming it over the old one.
func Watch(ctx context.Context, dir, stamp string, changed func(), failed func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch rules: %w", err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return fmt.Errorf("watch rules directory %s: %w", dir, err)
	}
	if stamp != Stamp(dir) {
		changed()
	}
	go func() {
		defer w.Close()
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if IsRuleFile(ev.Name) {
					timer.Reset(settle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				failed(err)
			case <-timer.C:
				changed()
			}
		}
	}()
	return nil
}
