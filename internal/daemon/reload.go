package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/scheduler"
)

// reloadDelay lets a burst of file events (an editor's write, rename and
// chmod) settle before the rules are read again.
const reloadDelay = 300 * time.Millisecond

// ReloadRules reads the rules directory again. A valid set replaces the one
// in force at once; an invalid one changes nothing: every problem is
// logged, counted and told to the ops channel (once per distinct error).
func (d *Daemon) ReloadRules(ctx context.Context) error {
	d.rulesStamp.Store(rulesStamp(d.cfg.RulesDir))
	set, err := rules.LoadDir(d.cfg.RulesDir)
	if err != nil {
		d.metrics.ruleReloads.WithLabelValues("error").Inc()
		problems := diag.List(d.cfg.RulesDir, err)
		for _, p := range problems {
			d.logger.Error("rules not reloaded: keeping the rules in force", "problem", p.Error())
		}
		d.notifyReloadError(ctx, problems)
		return err
	}
	d.rules.Store(set)
	d.lastReloadError.Store("")
	d.metrics.ruleReloads.WithLabelValues("ok").Inc()
	d.metrics.rulesLoaded.Set(float64(len(set.Rules)))
	d.logger.Info("rules reloaded", "rules", len(set.Rules), "lists", len(set.Lists))
	d.scheduleDigests(set)
	return nil
}

func (d *Daemon) notifyReloadError(ctx context.Context, problems diag.Problems) {
	msg := problems.Error()
	if d.lastReloadError.Swap(msg) == msg {
		return // already told
	}
	ops := d.opsChannel()
	if ops == "" {
		return
	}
	shown := problems
	if len(shown) > 10 {
		shown = shown[:10]
	}
	var lines []string
	for _, p := range shown {
		lines = append(lines, strings.SplitN(p.Error(), "\n", 2)[0])
	}
	text := fmt.Sprintf("Rules in %s were not reloaded (%d problems); the previous rules stay in force:\n%s",
		d.cfg.RulesDir, len(problems), strings.Join(lines, "\n"))
	if err := d.store.Enqueue(ctx, article.Alert{Channel: ops, Notice: text}); err != nil {
		d.logger.Error("queue ops notice", "err", err)
		return
	}
	d.wakeOutbox()
}

// watchRules reloads the rules when a rule or lists file in the directory
// changes. It watches the directory, not the files, because editors save
// by writing a new file and renaming it over the old one.
func (d *Daemon) watchRules(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch rules: %w", err)
	}
	if err := w.Add(d.cfg.RulesDir); err != nil {
		w.Close()
		return fmt.Errorf("watch rules directory %s: %w", d.cfg.RulesDir, err)
	}
	// A change between the first load and now made no event: catch it.
	if stamp, _ := d.rulesStamp.Load().(string); stamp != rulesStamp(d.cfg.RulesDir) {
		_ = d.ReloadRules(ctx) // problems are logged and reported there
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
				if isRuleFile(ev.Name) {
					timer.Reset(reloadDelay)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				d.logger.Error("watch rules", "err", err)
			case <-timer.C:
				_ = d.ReloadRules(ctx) // problems are logged and reported there
			}
		}
	}()
	return nil
}

// rulesStamp sums up the rule files of dir (names, sizes, times), to tell
// whether they changed.
func rulesStamp(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		if !isRuleFile(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

func isRuleFile(name string) bool {
	base := filepath.Base(name)
	ext := filepath.Ext(base)
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(base, ".")
}

// digestJob is a scheduled digest of one rule.
type digestJob struct {
	id   scheduler.ID
	spec string
}

// scheduleDigests makes the scheduled digests follow the rules: a new or
// changed digest: is scheduled, a removed one stops. Nothing happens before
// Run has started the scheduler.
func (d *Daemon) scheduleDigests(set *rules.Set) {
	d.digestMu.Lock()
	defer d.digestMu.Unlock()
	if d.sched == nil {
		return
	}
	want := map[string]*rules.Rule{}
	for _, r := range set.Rules {
		if r.Digest != "" && r.Enabled {
			want[r.ID] = r
		}
	}
	for id, job := range d.digests {
		if r, ok := want[id]; !ok || r.Digest != job.spec {
			d.sched.Remove(job.id)
			delete(d.digests, id)
		}
	}
	for id, r := range want {
		if _, ok := d.digests[id]; ok {
			continue
		}
		ruleID := r.ID
		jobID, err := d.sched.Add(r.Digest, func() {
			// The rule's name and mention as they are when the digest is posted.
			name, mention := ruleID, ""
			for _, cur := range d.Rules().Rules {
				if cur.ID == ruleID {
					name, mention = cur.Name, cur.Mention
				}
			}
			d.logError("digest", d.FlushDigest(d.work, ruleID, name, mention), "rule", ruleID)
		})
		if err != nil { // validated when the rules were loaded
			d.logger.Error("schedule digest", "rule", id, "err", err)
			continue
		}
		d.digests[id] = digestJob{id: jobID, spec: r.Digest}
	}
}
