package feed

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseDate reads a feed's date string the way feeds really write them,
// and reports false when it cannot be read with certainty. gofeed's parser
// is the fallback, not the first reader, because it takes every zone name
// it does not know (MET, MEST, ET…) as UTC; a wrong hour is worse than no
// date. Read here:
//
//   - ISO 8601 / W3C-DTF, with a space instead of "T" (MSSQL), fractional
//     seconds, partial dates ("2003-12", "2003"), a month written "012"
//     (Google) or as a name ("2004-július-13");
//   - RFC 822 and its real-world variants: long month names, no seconds, no
//     time, two-digit years, swapped month and day, extra or missing spaces
//     around commas, asctime order with the year last;
//   - zones as offsets ("+0200", "-01:01", "GMT-01:01", "+02"), "Z", "UT",
//     "Etc/GMT", and the named zones of the zones table below — US (EST,
//     ET, PT…), European (CET, MET, MEST, BST…), and others with a single
//     meaning; an ambiguous abbreviation (IST) is refused;
//   - day and month names in English, Portuguese, Spanish, French, German,
//     Italian, Dutch, Greek and Hungarian, and Korean dates (년/월/일,
//     오전/오후), which carry Korean time unless they name a zone.
//
// A date without a zone is UTC, as feedparser reads it; ParseDateIn reads
// it in the feed's own zone.
func ParseDate(s string) (time.Time, bool) { return ParseDateIn(s, nil) }

// ParseDateIn is ParseDate for a feed whose publisher's time zone is
// known (a feed's timezone: in config; nil when it is not): a date with
// no zone is in loc, and so is one whose zone is an abbreviation with
// several meanings (AST is Arabia Standard Time in Baghdad and Atlantic
// time in Halifax; IST, GST, CST, BST…): the zone's offset on that day.
func ParseDateIn(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 128 {
		return time.Time{}, false
	}
	if t, ok := parseISO(s, loc); ok {
		return t, true
	}
	if t, ok := parseTruncated(s); ok {
		return t, true
	}
	return parseWords(s, loc)
}

// ambiguousZones are abbreviations that mean different offsets in
// different places; they are read in the feed's zone when it has one.
var ambiguousZones = set("AST ADT IST GST CST CDT BST PST SST AMT ECT")

var isoDate = regexp.MustCompile(`^(\d{4})(?:-(\d{1,3})(?:-(\d{1,2}))?)?` +
	`(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?` +
	`\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$`)

var isoMonthName = regexp.MustCompile(`^(\d{4})-(\pL+)-`)

func parseISO(s string, zone *time.Location) (time.Time, bool) {
	if m := isoMonthName.FindStringSubmatch(s); m != nil {
		if mon, ok := monthNames[strings.ToLower(m[2])]; ok {
			s = m[1] + "-" + strconv.Itoa(mon) + "-" + s[len(m[0]):]
		}
	}
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	n := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	loc := cmp.Or(zone, time.UTC)
	if m[7] == "Z" {
		loc = time.UTC
	} else if m[7] != "" {
		off, ok := offsetOf(m[7])
		if !ok {
			return time.Time{}, false
		}
		loc = time.FixedZone("", off)
	}
	return build(n(1, 0), n(2, 1), n(3, 1), n(4, 0), n(5, 0), n(6, 0), loc)
}

// build makes the time and refuses any field out of range (day 99, hour
// 25, minute 61) instead of letting time.Date roll it over.
func build(y, mon, d, h, mi, sec int, loc *time.Location) (time.Time, bool) {
	if y < 1 || y > 9999 || mon < 1 || mon > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	if sec == 60 { // a leap second
		sec = 59
	}
	t := time.Date(y, time.Month(mon), d, h, mi, sec, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// offsetOf reads "+0200", "-01:01", "+02" as seconds east of UTC.
func offsetOf(s string) (int, bool) {
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return 0, false
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if len(digits) == 2 {
		digits += "00"
	}
	if len(digits) != 4 || strings.Count(s, ":") > 1 {
		return 0, false
	}
	h, err1 := strconv.Atoi(digits[:2])
	mi, err2 := strconv.Atoi(digits[2:])
	if err1 != nil || err2 != nil || h > 14 || mi > 59 {
		return 0, false
	}
	return sign * (h*3600 + mi*60), true
}

// dateParts gathers what the words of a date say.
type dateParts struct {
	y, mon, d       int
	h, mi, sec      int
	timeSet, pm, am bool
	zone            int
	zoneSet, korean bool
	loc             *time.Location // the feed's zone, nil when unknown
	inLoc           bool           // the zone named is ambiguous: read in loc
}

var comment = regexp.MustCompile(`\([^()]*\)`)

func parseWords(s string, loc *time.Location) (time.Time, bool) {
	s = comment.ReplaceAllString(s, " ") // "GMT (Pacific)"
	if strings.ContainsAny(s, "()") {
		return time.Time{}, false
	}
	p := dateParts{loc: loc}
	for i, tok := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		if !p.word(i, tok) {
			return time.Time{}, false
		}
	}
	if p.y == 0 || p.mon == 0 {
		return time.Time{}, false
	}
	if p.d == 0 {
		p.d = 1
	}
	if p.pm && p.h < 12 {
		p.h += 12
	} else if p.am && p.h == 12 {
		p.h = 0
	}
	if !p.zoneSet && p.korean {
		p.zone, p.zoneSet = 9*3600, true
	}
	zone := time.FixedZone("", p.zone)
	if loc != nil && (!p.zoneSet || p.inLoc) {
		zone = loc
	}
	return build(p.y, p.mon, p.d, p.h, p.mi, p.sec, zone)
}

// word takes one word of a date; false means the string is not a date.
func (p *dateParts) word(i int, tok string) bool {
	low := strings.ToLower(strings.TrimSuffix(tok, "."))
	if k, ok := p.koreanWord(low); ok {
		return k
	}
	switch {
	case low == "" || fillers[low]: // "." alone, "de"
		return true
	case i == 0 && dayNames[low]:
		return true // a weekday first, whatever the language ("mar" is also March)
	case monthNames[low] != 0 && p.mon == 0:
		p.mon = monthNames[low]
		return true
	case dayNames[low]:
		return true
	case low == "am" || low == "a.m":
		p.am = true
		return true
	case low == "pm" || low == "p.m":
		p.pm = true
		return true
	case strings.Contains(low, ":") && low[0] >= '0' && low[0] <= '9':
		return p.clock(low)
	case isDigits(low):
		return p.number(low)
	case len(low) > 2 && isDigits(low[:len(low)-2]) && ordinals[low[len(low)-2:]]:
		return p.number(low[:len(low)-2]) // "3rd"
	case isDigits(strings.ReplaceAll(low, "-", "")) && strings.Count(low, "-") == 2:
		return p.numericDate(low)
	case low[0] >= '0' && low[0] <= '9' && strings.Count(low, "-") == 2:
		for _, part := range strings.Split(low, "-") { // "02-Jan-06" (RFC 850)
			if part == "" || !p.word(1, part) {
				return false
			}
		}
		return true
	case strings.Contains(low, "/") && isDigits(strings.ReplaceAll(low, "/", "")):
		return p.slashed(low)
	}
	return p.zoneWord(tok)
}

// clock reads "16:31", "16:31:00", "1:2:3"; "1:2:3:4" is not a time.
func (p *dateParts) clock(s string) bool {
	if p.timeSet {
		return false
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return false
	}
	if len(parts) == 3 {
		parts[2], _, _ = strings.Cut(parts[2], ".")
	}
	v := [3]int{}
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || len(part) > 2 {
			return false
		}
		v[i] = n
	}
	p.h, p.mi, p.sec, p.timeSet = v[0], v[1], v[2], true
	return true
}

// number takes a bare number as the day, then the year; four digits are
// always a year, and two-digit years are 19xx from 70 and 20xx below.
func (p *dateParts) number(s string) bool {
	n, _ := strconv.Atoi(s)
	switch {
	case len(s) == 4 && p.y == 0:
		p.y = n
	case len(s) <= 2 && p.d == 0 && n >= 1 && n <= 31:
		p.d = n
	case len(s) == 2 && p.y == 0:
		p.y = 2000 + n
		if n >= 70 {
			p.y = 1900 + n
		}
	default:
		return false
	}
	return true
}

// numericDate reads "2004-05-25" and "03-12-31" (year, month, day, as
// ISO 8601 orders them) among other words.
func (p *dateParts) numericDate(s string) bool {
	parts := strings.Split(s, "-")
	if p.y != 0 || p.mon != 0 || p.d != 0 || (len(parts[0]) != 4 && len(parts[0]) != 2) ||
		len(parts[1]) > 2 || len(parts[2]) > 2 || parts[1] == "" || parts[2] == "" {
		return false
	}
	if !p.number(parts[0]) {
		return false
	}
	if len(parts[0]) == 2 { // number took it as the day
		p.y, p.d = 2000+p.d, 0
		if p.y >= 2070 {
			p.y -= 100
		}
	}
	p.mon, _ = strconv.Atoi(parts[1])
	p.d, _ = strconv.Atoi(parts[2])
	return true
}

// koreanWord reads 2004년, 05월, 28일, 오전 and 오후; ok is false for any
// other word.
func (p *dateParts) koreanWord(s string) (taken, ok bool) {
	for _, f := range [...]struct {
		suffix string
		field  *int
	}{{"년", &p.y}, {"월", &p.mon}, {"일", &p.d}} {
		if num, found := strings.CutSuffix(s, f.suffix); found && isDigits(num) {
			*f.field, _ = strconv.Atoi(num)
			p.korean = true
			return true, true
		}
	}
	switch s {
	case "오전":
		p.am, p.korean = true, true
		return true, true
	case "오후":
		p.pm, p.korean = true, true
		return true, true
	}
	return false, false
}

// zoneWord reads "+0200", "GMT", "Etc/GMT", "GMT-01:01", "EST".
func (p *dateParts) zoneWord(tok string) bool {
	if p.zoneSet {
		return false
	}
	up := strings.ToUpper(tok)
	up = strings.TrimPrefix(up, "ETC/")
	for _, base := range []string{"GMT", "UTC", "UT"} {
		if rest, ok := strings.CutPrefix(up, base); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			up = rest
			break
		}
	}
	if up == "" {
		return false
	}
	if up[0] == '+' || up[0] == '-' {
		off, ok := offsetOf(up)
		p.zone, p.zoneSet = off, ok
		return ok
	}
	if p.loc != nil && ambiguousZones[up] {
		p.zoneSet, p.inLoc = true, true
		return true
	}
	off, ok := zones[up]
	p.zone, p.zoneSet = off*60, ok
	return ok
}

var ordinals = set("st nd rd th")

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
