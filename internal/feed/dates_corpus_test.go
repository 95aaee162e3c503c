package feed

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fpCase is a case of feedparser's tests/test_date_parsers.py: a date
// string and the UTC time feedparser reads, or none.
var fpCase = regexp.MustCompile(`\(\s*_parse_date_\w+,\s*"((?:[^"\\]|\\.)*)",\s*(None|\(([-\d, ]+)\))`)

// TestDatesAgainstFeedparser measures ParseDate on feedparser's date test
// strings, read from a local checkout named by FEEDWATCH_FEEDPARSER (never
// committed here); it skips when there is none. A string counts when
// ParseDate reads the time feedparser reads, or refuses what feedparser
// refuses; it fails below 62 of the 64 and on any string feedparser
// refuses that ParseDate reads. The figures go in docs/feeds.md.
func TestDatesAgainstFeedparser(t *testing.T) {
	dir := os.Getenv("FEEDWATCH_FEEDPARSER")
	if dir == "" {
		t.Skip("FEEDWATCH_FEEDPARSER (a feedparser checkout) not set")
	}
	src, err := os.ReadFile(filepath.Join(dir, "tests", "test_date_parsers.py"))
	if err != nil {
		t.Skip(err)
	}
	var dated, agreed, refusals, refused int
	for _, m := range fpCase.FindAllStringSubmatch(string(src), -1) {
		in, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil || in == "" {
			continue
		}
		got, ok := ParseDate(in)
		if m[2] == "None" {
			refusals++
			if !ok {
				refused++
			} else {
				t.Errorf("%q: feedparser refuses it, read as %v", in, got)
			}
			continue
		}
		dated++
		want := fpTime(m[3])
		if ok && got.Equal(want) {
			agreed++
		} else {
			t.Logf("%q: want %v, got %v (%v)", in, want, got, ok)
		}
	}
	t.Logf("feedparser's date strings: %d of %d read as feedparser does; %d of %d it refuses refused", agreed, dated, refused, refusals)
	if agreed+refused < 62 {
		t.Errorf("only %d of %d date strings as feedparser reads them", agreed+refused, dated+refusals)
	}
}

func fpTime(tuple string) time.Time {
	var v [6]int
	for i, f := range strings.Split(tuple, ",")[:6] {
		v[i], _ = strconv.Atoi(strings.TrimSpace(f))
	}
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC)
}
