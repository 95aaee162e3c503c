package feed

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// isoTruncated are ISO 8601:1988's truncated forms, which feedparser
// reads: "031231" (YYMMDD), "-0312" and "-03-12" (YY and month), the
// century being the current one. Five digits ("03335", a year and a day
// of the year) are refused: "22013" is as likely a mistyped year.
var isoTruncated = regexp.MustCompile(`^(?:(\d{2})(\d{2})(\d{2})|-(\d{2})-?(\d{2}))$`)

func parseTruncated(s string) (time.Time, bool) {
	m := isoTruncated.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	century := time.Now().Year() / 100 * 100
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	if m[1] != "" {
		return build(century+n(1), n(2), n(3), 0, 0, 0, time.UTC)
	}
	return build(century+n(4), n(5), 1, 0, 0, 0, time.UTC)
}

// slashed reads "2006/09/15" (year first), and "30/11/2026" or
// "11/30/2026" where only one order makes a date; "06/03/2008" is
// refused, since day and month cannot be told apart.
func (p *dateParts) slashed(s string) bool {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || p.y != 0 || p.mon != 0 {
		return false
	}
	v := [3]int{}
	for i, part := range parts {
		v[i], _ = strconv.Atoi(part)
	}
	switch {
	case len(parts[0]) == 4:
		p.y, p.mon, p.d = v[0], v[1], v[2]
	case len(parts[2]) != 4 || len(parts[0]) > 2 || len(parts[1]) > 2:
		return false
	case v[0] > 12 && v[1] <= 12:
		p.y, p.mon, p.d = v[2], v[1], v[0]
	case v[1] > 12 && v[0] <= 12:
		p.y, p.mon, p.d = v[2], v[0], v[1]
	default:
		return false
	}
	return p.mon != 0
}
