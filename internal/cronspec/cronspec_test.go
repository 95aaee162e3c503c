package cronspec

import (
	"strings"
	"testing"
	"time"
)

// runs returns the next n runs of spec after start.
func runs(t *testing.T, spec string, start time.Time, n int) []time.Time {
	t.Helper()
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	at := start
	for range n {
		at = s.Next(at)
		out = append(out, at)
	}
	return out
}

func TestDaylightSavingChangesKeepIntervalsEvenAndDailyRunsSingle(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	spring := time.Date(2026, 3, 29, 0, 10, 0, 0, paris)  // 02:00 CET → 03:00 CEST
	autumn := time.Date(2026, 10, 25, 0, 10, 0, 0, paris) // 03:00 CEST → 02:00 CET
	for _, start := range []time.Time{spring, autumn} {
		// Intervals stay evenly spaced in real time.
		for spec, gap := range map[string]time.Duration{"*/30 * * * *": 30 * time.Minute, "0 * * * *": time.Hour, "@every 30m": 30 * time.Minute} {
			prev := start
			for i, r := range runs(t, spec, start, 10) {
				if i > 0 && r.Sub(prev) != gap {
					t.Errorf("%s from %s: run %d is %s after the one before, want %s", spec, start.Format("Jan 2"), i, r.Sub(prev), gap)
				}
				prev = r
			}
		}
		// A time of day inside the changing hour runs once a day, always
		// moving forward.
		rs := runs(t, "30 2 * * *", start, 3)
		for i := 1; i < len(rs); i++ {
			if d := rs[i].Sub(rs[i-1]); d < 22*time.Hour || d > 26*time.Hour {
				t.Errorf("30 2 * * * from %s: runs %s and %s are %s apart, want about a day",
					start.Format("Jan 2"), rs[i-1].Format(time.RFC3339), rs[i].Format(time.RFC3339), d)
			}
		}
	}
}

func TestBadSpecsAreErrorsNotPanics(t *testing.T) {
	for _, spec := range []string{"CRON_TZ=UTC", "TZ=Europe/Paris", "", "  ", "61 * * * *", "@every", "@every 500ms", "@every -1s", "* * *", "CRON_TZ=Nowhere/City 0 8 * * *"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted", spec)
		}
	}
}

func TestIntervalsTakeDaysAndStepsMustFitTheirField(t *testing.T) {
	for spec, want := range map[string]string{
		"@every 90d":    "",
		"@every 1d12h":  "",
		"@every 90x":    "bad interval",
		"*/61 * * * *":  "a step of 61 in the minute field",
		"0 */25 * * *":  "a step of 25 in the hour field",
		"*/15 * * * *":  "",
		"0 8 * * 1-5/2": "",
	} {
		_, err := Parse(spec)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", spec, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want an error saying %q", spec, err, want)
		}
	}
	if d := Interval("@every 2d", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); d != 48*time.Hour {
		t.Errorf("@every 2d runs every %s", d)
	}
}

func TestTheSlotOfARunIsWhenItWasDue(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 3, 14, h, m, s, 0, time.UTC) }
	for _, c := range []struct {
		spec      string
		now, want time.Time
	}{
		{"0 9 * * *", at(9, 0, 0).Add(3 * time.Millisecond), at(9, 0, 0)}, // fired on time
		{"0 9 * * *", at(9, 0, 40), at(9, 0, 0)},                          // fired late
		{"0 9 * * *", at(17, 30, 0), at(9, 0, 0)},                         // asked later that day: the run due last
		{"*/5 * * * *", at(9, 3, 20), at(9, 0, 0)},
		{"@every 2s", at(9, 3, 21).Add(999 * time.Millisecond), at(9, 3, 20)}, // windows of the interval: the same in every process
		{"@every 2s", at(9, 3, 22).Add(time.Millisecond), at(9, 3, 22)},
	} {
		s, err := Parse(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := Slot(s, c.now); !got.Equal(c.want) {
			t.Errorf("Slot(%q, %s) = %s, want %s", c.spec, c.now.Format(time.TimeOnly), got.Format(time.TimeOnly), c.want.Format(time.TimeOnly))
		}
	}
}
