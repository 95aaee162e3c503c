// Package cronspec parses cron schedules safely: robfig/cron's parser
// panics on some malformed specs (for example "CRON_TZ=UTC" with no
// fields), so every user-written spec goes through Parse.
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
	return s, nil
}
