package daemon

import (
	"context"
	"strings"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/scheduler"
)

// ReloadRules reads the rules directory again. A valid set replaces the one
// in force at once; an invalid one changes nothing: every problem is
// logged, counted and told to the ops channel (once per distinct error).
func (d *Daemon) ReloadRules(ctx context.Context) error {
	cfg := d.config()
	dir := cfg.RulesDir
	stamp := rules.Stamp(dir)
	set, err := rules.Check(dir, cfg.Feeds)
	if err != nil {
		problems := diag.List(dir, err)
		fresh := d.rules.Refused(stamp, problems.Error())
		d.metrics.RuleReloads.WithLabelValues("error").Inc()
		d.logger.Error("rules not reloaded: keeping the rules in force", "dir", dir, "count", len(problems), "problems", strings.Join(problems.Lines(), "; "))
		if fresh {
			d.notifyRulesRejected(ctx, dir, problems)
		}
		return err
	}
	d.putRules(dir, stamp, set)
	select {
	case d.rulesChanged <- struct{}{}: // Run reschedules the digests
	default:
	}
	return nil
}

// putRules puts a set that passed rules.Check in force.
func (d *Daemon) putRules(dir, stamp string, set *rules.Set) {
	changes := set.Changes(d.rules.Set())
	d.rules.Put(dir, stamp, set)
	d.metrics.RuleReloads.WithLabelValues("ok").Inc()
	d.metrics.RulesLoaded.Set(float64(len(set.Rules)))
	d.logger.Info("rules reloaded", "rules", len(set.Rules), "lists", len(set.Lists), "changes", changes)
}

// maxNoticeProblems is how many rule problems an ops notice lists.
const maxNoticeProblems = 10

func (d *Daemon) notifyRulesRejected(ctx context.Context, dir string, problems diag.Problems) {
	ops := d.outbox.OpsChannel()
	if ops == "" {
		return
	}
	n := article.Notice{Channel: ops, Event: article.RulesRejected, RulesDir: dir, Total: len(problems),
		Problems: problems[:min(len(problems), maxNoticeProblems)].Lines()}
	if err := d.store.Enqueue(ctx, n); err != nil {
		d.logger.Error("queue ops notice", "err", err)
		return
	}
	d.outbox.Wake()
}

// scheduleDigests makes the scheduled digests follow the rules: a new or
// changed digest: is scheduled, a removed one stops and its held matches
// are posted.
func (rt *runtime) scheduleDigests(work context.Context, set *rules.Set) {
	want := map[string]scheduler.Job{}
	for _, r := range set.Rules {
		if _, _, spec := set.Digest(r.ID); spec != "" {
			want[r.ID] = scheduler.Job{Spec: spec, Run: func() { rt.d.outbox.FlushRule(work, r.ID, rt.d.Rules().Digest) }, Once: "digest:" + r.ID}
		}
	}
	for _, err := range rt.sched.Sync(want) { // validated when the rules were loaded
		rt.d.logger.Error("schedule digest", "err", err)
	}
	rt.d.outbox.ReleaseStranded(work, set.Digest)
}
