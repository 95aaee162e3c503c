// Package cronspec parses cron schedules safely: robfig/cron's parser
// panics on some malformed specs (for example "CRON_TZ=UTC" with no
// fields), and its schedules run some daily times twice when clocks go
// back, so every user-written spec goes through Parse.
package cronspec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Parser accepts 5-field specs, descriptors (@hourly, @every 10m) and a
// CRON_TZ= / TZ= prefix.
var Parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse parses spec, turning a parser panic into an error.
func Parse(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule %q", spec)
		}
	}()
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	// cron turns "@every -1s" or "@every 10ms" into every second; say so
	// instead of polling a publisher every second by mistake.
	parsed := spec
	if rest, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every "); ok {
		d, err := every(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("invalid schedule %q: %v", spec, err)
		}
		if d < time.Second {
			return nil, fmt.Errorf("invalid schedule %q: the interval must be at least 1s", spec)
		}
		parsed = "@every " + d.String()
	} else if err := checkSteps(spec); err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v", spec, err)
	}
	s, err = Parser.Parse(parsed)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	// A date that never comes ("0 0 30 2 *": February 30th) parses, and
	// its job would wait for ever: a digest would hold its matches.
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("invalid schedule %q: it never runs (no date matches its day and month fields)", spec)
	}
	return dstSafe{s}, nil
}

// dstSafe corrects robfig/cron v3 around daylight-saving changes: in the
// hour that repeats in autumn, a daily time such as "30 2 * * *" in
// Europe/Paris would run twice (02:30 CEST, then 02:30 CET). dstSafe runs it
// once, and its Next is always later than t. Interval schedules (every 30
// minutes, hourly) are unaffected: their runs stay evenly spaced in real
// time. Left as robfig does it: a daily time inside the hour skipped in
// spring does not run that day.
type dstSafe struct{ cron.Schedule }

// Next returns the first run after t.
func (s dstSafe) Next(t time.Time) time.Time {
	from := t
	for range 24 * 60 { // at most a day of one-minute steps
		n := s.Schedule.Next(from)
		if n.IsZero() || n.After(t) && !s.repeats(n, t) {
			return n
		}
		from = later(n, from).Add(time.Minute)
	}
	return time.Time{} // never
}

// repeats reports whether n is t's wall-clock time again, in the hour that
// repeats in autumn, for a schedule that runs less often than hourly (a
// daily 02:30): that would be a second run. An hourly schedule runs at
// both 02:00s, an hour apart in real time, as it should.
func (s dstSafe) repeats(n, t time.Time) bool {
	return sameWallClock(n, t) && s.Schedule.Next(n.Add(time.Minute)).Sub(n) > time.Hour
}

func sameWallClock(a, b time.Time) bool {
	b = b.In(a.Location())
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Interval is the time between two runs of spec after now (5 min for a
// spec that does not parse, which validation prevents).
func Interval(spec string, now time.Time) time.Duration {
	s, err := Parse(spec)
	if err != nil {
		return 5 * time.Minute
	}
	first := s.Next(now)
	return s.Next(first).Sub(first)
}

// Slot is when the run of sched due at now (or last due before it) was
// due: the same in every process that fires it, whatever their clocks'
// small differences. An @every interval is counted in windows of the
// interval from the epoch, since its runs are not tied to the clock.
func Slot(sched cron.Schedule, now time.Time) time.Time {
	if d, ok := sched.(dstSafe); ok {
		sched = d.Schedule
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok { // windows of the interval, from the epoch
		return now.Truncate(every.Delay)
	}
	for back := time.Minute; back <= 16*24*time.Hour; back *= 4 { // the latest run due at or before now
		slot := sched.Next(now.Add(-back))
		if slot.After(now) {
			continue
		}
		for next := sched.Next(slot); !next.After(now); next = sched.Next(next) {
			slot = next
		}
		return slot
	}
	return now.Truncate(time.Minute)
}

// Due is the time the run of spec that is due at now (or last was) was
// due: Slot, for a spec given as text (now itself when it does not parse).
func Due(spec string, now time.Time) time.Time {
	s, err := Parse(spec)
	if err != nil {
		return now
	}
	return Slot(s, now)
}

// every reads an @every interval: Go syntax plus days ("90d", "1d12h"),
// as durations are written everywhere else in feedwatch.
func every(s string) (time.Duration, error) {
	days, rest, found := strings.Cut(s, "d")
	if !found {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("bad interval %q (use 90s, 20m, 24h or 7d)", s)
		}
		return d, nil
	}
	n, err := strconv.ParseFloat(days, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad interval %q (use 90s, 20m, 24h or 7d)", s)
	}
	d := time.Duration(n * 24 * float64(time.Hour))
	if rest != "" {
		more, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("bad interval %q (use 90s, 20m, 24h or 7d)", s)
		}
		d += more
	}
	return d, nil
}

// fieldMax is the largest value of each of the five fields.
var fieldMax = [5]int{59, 23, 31, 12, 7}

// checkSteps refuses a step that cannot be what was meant: "*/61" in the
// minutes runs once an hour, not every 61 minutes.
func checkSteps(spec string) error {
	fields := strings.Fields(spec)
	if len(fields) > 0 && strings.Contains(fields[0], "=") { // CRON_TZ=…
		fields = fields[1:]
	}
	if len(fields) != 5 {
		return nil // descriptors and malformed specs: the parser says
	}
	names := [5]string{"minute", "hour", "day of month", "month", "day of week"}
	for i, f := range fields {
		for _, part := range strings.Split(f, ",") {
			_, step, ok := strings.Cut(part, "/")
			if !ok {
				continue
			}
			if n, err := strconv.Atoi(step); err == nil && n > fieldMax[i] {
				return fmt.Errorf("a step of %d in the %s field is more than its range (at most %d)", n, names[i], fieldMax[i])
			}
		}
	}
	return nil
}
