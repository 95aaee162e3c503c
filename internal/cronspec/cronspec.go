// Package cronspec parses cron schedules safely: robfig/cron's parser
// panics on some malformed specs (for example "CRON_TZ=UTC" with no
// fields), and its schedules run some daily times twice when clocks go
// back, so every user-written spec goes through Parse.
package cronspec

import (
	"fmt"
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
	if rest, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d < time.Second {
			return nil, fmt.Errorf("invalid schedule %q: the interval must be at least 1s", spec)
		}
	}
	s, err = Parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
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
