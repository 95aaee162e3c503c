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
	dir := d.config().RulesDir
	set, fresh, err := d.rules.Load(dir)
	if err != nil {
		d.metrics.RuleReloads.WithLabelValues("error").Inc()
		problems := diag.List(dir, err)
		for _, p := range problems {
			d.logger.Error("rules not reloaded: keeping the rules in force", "problem", p.Error())
		}
		if fresh {
			d.notifyRulesRejected(ctx, dir, problems)
		}
		return err
	}
	d.metrics.RuleReloads.WithLabelValues("ok").Inc()
	d.metrics.RulesLoaded.Set(float64(len(set.Rules)))
	d.logger.Info("rules reloaded", "rules", len(set.Rules), "lists", len(set.Lists))
	select {
	case d.rulesChanged <- struct{}{}: // Run reschedules the digests
	default:
	}
	return nil
}

// maxNoticeProblems is how many rule problems an ops notice lists.
const maxNoticeProblems = 10

func (d *Daemon) notifyRulesRejected(ctx context.Context, dir string, problems diag.Problems) {
	ops := d.outbox.OpsChannel()
	if ops == "" {
		return
	}
	n := article.Notice{Channel: ops, Event: article.RulesRejected, RulesDir: dir, Total: len(problems)}
	for _, p := range problems[:min(len(problems), maxNoticeProblems)] {
		n.Problems = append(n.Problems, strings.SplitN(p.Error(), "\n", 2)[0])
	}
	if err := d.store.Enqueue(ctx, n); err != nil {
		d.logger.Error("queue ops notice", "err", err)
		return
	}
	d.outbox.Wake()
}

// scheduleDigests makes the scheduled digests follow the rules: a new or
// changed digest: is scheduled, a removed one stops.
func (rt *runtime) scheduleDigests(work context.Context, set *rules.Set) {
	want := digestJobs(set, func(id string) { rt.d.flushScheduled(work, id) })
	for _, err := range rt.sched.Sync(want) { // validated when the rules were loaded
		rt.d.logger.Error("schedule digest", "err", err)
	}
	rt.d.releaseStranded(work, want)
}

// digestJobs are the digests the rules in set collect, by rule id, each
// running flush with its rule's id (nil: jobs that only name the digests).
func digestJobs(set *rules.Set, flush func(ruleID string)) map[string]scheduler.Job {
	want := map[string]scheduler.Job{}
	for _, r := range set.Rules {
		if r.Digest != "" && r.Enabled {
			want[r.ID] = scheduler.Job{Spec: r.Digest, Run: func() {
				if flush != nil {
					flush(r.ID)
				}
			}}
		}
	}
	return want
}

// releaseStranded posts at once, as a digest, the matches held for a rule
// that no longer collects a digest (its digest: removed, the rule disabled
// or deleted): nothing waits for a digest that will never come.
func (d *Daemon) releaseStranded(ctx context.Context, digests map[string]scheduler.Job) {
	held, err := d.store.HeldRules(ctx)
	if err != nil {
		d.logger.Error("release held matches", "err", err)
		return
	}
	for _, id := range held {
		if _, ok := digests[id]; ok {
			continue
		}
		d.logger.Info("releasing the matches held for a rule that no longer collects a digest", "rule", id)
		d.flushScheduled(ctx, id)
	}
}

// flushScheduled posts a rule's digest with its name and mention as they
// are now.
func (d *Daemon) flushScheduled(ctx context.Context, ruleID string) {
	name, mention := ruleID, ""
	for _, r := range d.Rules().Rules {
		if r.ID == ruleID {
			name, mention = r.Name, r.Mention
		}
	}
	if err := d.outbox.FlushDigest(ctx, ruleID, name, mention); err != nil {
		d.logger.Error("digest", "rule", ruleID, "err", err)
	}
}
