package feed

import (
	"testing"
	"time"
)

func TestParseDateReadsWhatFeedsWrite(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, time.UTC) }
	cases := []struct {
		in   string
		want time.Time
	}{
		{"Tue, 03 Jun 2008 11:05:30 GMT", utc(2008, 6, 3, 11, 5, 30)},
		{"2008-06-03T11:05:30.25+03:00", utc(2008, 6, 3, 8, 5, 30)},
		{"2008-06-03 11:05:30", utc(2008, 6, 3, 11, 5, 30)},
		{"2008-006-03T11:05:30Z", utc(2008, 6, 3, 11, 5, 30)},
		{"2008-06", utc(2008, 6, 1, 0, 0, 0)},
		{"2008", utc(2008, 1, 1, 0, 0, 0)},
		{"Tue, 03 Jun 2008 11:05:30 MET", utc(2008, 6, 3, 10, 5, 30)},
		{"Tue, 03 Jun 2008 11:05:30 MEST", utc(2008, 6, 3, 9, 5, 30)},
		{"Tue, 03 June 2008 11:05:30 ET", utc(2008, 6, 3, 16, 5, 30)},
		{"Tue, 03 Jun 2008 11:05:30 Etc/GMT", utc(2008, 6, 3, 11, 5, 30)},
		{"Tue, 03 Jun 2008 11:05:30 GMT+03:00", utc(2008, 6, 3, 8, 5, 30)},
		{"Tue, 03 Jun, 2008 11:05 UTC", utc(2008, 6, 3, 11, 5, 0)},
		{"Tue,3 Jun 2008", utc(2008, 6, 3, 0, 0, 0)},
		{"Tue Jun 03 2008 11:05:30 +0300", utc(2008, 6, 3, 8, 5, 30)},
		{"Tue Jun  3 11:05:30 2008", utc(2008, 6, 3, 11, 5, 30)},
		{"Tuesday, 03-Jun-08 11:05:30 GMT", utc(2008, 6, 3, 11, 5, 30)},
		{"June 3rd, 2008 11:05 pm EST", utc(2008, 6, 4, 4, 5, 0)},
		{"Tue, 03 Jun 2008 11:05:30 GMT (Baghdad desk)", utc(2008, 6, 3, 11, 5, 30)},
		// Portuguese (UOL), Spanish, French, German, Italian.
		{"Ter, 03 Jun 2008 11:05:30 -0300", utc(2008, 6, 3, 14, 5, 30)},
		{"Seg, 24 Set 2018 19:42:40 -0300", utc(2018, 9, 24, 22, 42, 40)},
		{"24 de setembro de 2018 19:42", utc(2018, 9, 24, 19, 42, 0)},
		{"mar, 03 jun 2008 11:05:30 +0200", utc(2008, 6, 3, 9, 5, 30)},
		{"Mié, 17 Dic 2008 11:05:30 +0100", utc(2008, 12, 17, 10, 5, 30)},
		{"mardi 3 juin 2008 11:05", utc(2008, 6, 3, 11, 5, 0)},
		{"3 févr. 2008", utc(2008, 2, 3, 0, 0, 0)},
		{"Di, 03 Juni 2008 11:05:30 MESZ", utc(2008, 6, 3, 9, 5, 30)},
		{"Mo., 3. März 2008", utc(2008, 3, 3, 0, 0, 0)},
		{"gio, 12 giu 2008 11:05:30 +0200", utc(2008, 6, 12, 9, 5, 30)},
		{"2008년 06월 03일 11:05:30", utc(2008, 6, 3, 2, 5, 30)},
	}
	for _, c := range cases {
		got, ok := ParseDate(c.in)
		if !ok || !got.Equal(c.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
}

func TestParseDateRefusesWhatItCannotBeSureOf(t *testing.T) {
	for _, in := range []string{
		"", "yesterday", "Tue, 03 Jun 2008 11:05:30 IST", "06/03/2008",
		"Tue, 32 Jun 2008", "Tue, 31 Jun 2008", "Tue, 03 Xyz 2008", "Tue, 03 Jun 2008 25:05:30 GMT",
		"Tue, 03 Jun 2008 1:2:3:4 GMT", "Tue, 03 Jun 2008 11:05:30 +zz00", "Tue, 03 Jun 2008 11:05:30 +2500",
		"2008-06-03T11:05:30+03:00junk", "2008-06-03-01", "10000-01-01", "Tue, 03 Jun 2008 11:05 (unclosed",
		"Tue, 03 Jun 2008 11:05:30 GMT GMT", "3 Jun 2008 11:05 11:06",
	} {
		if got, ok := ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %v, want refused", in, got)
		}
	}
}

// TestItemDatesAsPublishersWriteThem reads the dates of a feed as the
// daemon does: a MET date is an hour ahead of UTC, not UTC; a Portuguese
// date is read; a date nobody can read leaves the item undated, not
// dropped.
func TestItemDatesAsPublishersWriteThem(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Ataque em Ramadi</title><link>https://uol.example/1</link><pubDate>Sáb, 15 Mar 2025 10:00:00 -0300</pubDate></item>
<item><title>Angriff in Falludscha</title><link>https://spiegel.example/2</link><pubDate>Sat, 15 Mar 2025 10:00:00 MET</pubDate></item>
<item><title>Raid near Qaim</title><link>https://wire.example/3</link><pubDate>the ides of March</pubDate></item>
</channel></rss>`
	f := NewFetcher(time.Second, 1<<20, "test")
	f.Now = func() time.Time { return time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC) }
	arts, err := f.parse([]byte(doc), "", Source{Name: "dates"}, "")
	if err != nil || len(arts) != 3 {
		t.Fatalf("%d articles, %v", len(arts), err)
	}
	for i, want := range []string{"2025-03-15T13:00:00Z", "2025-03-15T09:00:00Z", "0001-01-01T00:00:00Z"} {
		if got := arts[i].Published.Format(time.RFC3339); got != want {
			t.Errorf("%s: published %s, want %s", arts[i].Title, got, want)
		}
	}
}

// FuzzParseDate: no input panics, and what is read is a real instant that
// reads back the same when written as RFC 3339.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Tue, 03 Jun 2008 11:05:30 GMT", "2008-06-03T11:05:30Z", "3 . Etc/", "03-Jun-08", "2008년 06월", "(", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDate(s)
		if !ok {
			return
		}
		again, ok := ParseDate(got.Format(time.RFC3339))
		if !ok || !again.Equal(got) {
			t.Errorf("%q read as %v, which reads back as %v (%v)", s, got, again, ok)
		}
	})
}

// TestDatesInThePublishersZone: a feed's timezone: reads dates with no
// zone, and ambiguous abbreviations, as its publisher means them; without
// one nothing changes; unambiguous day-first dates are read.
func TestDatesInThePublishersZone(t *testing.T) {
	baghdad, err := time.LoadLocation("Asia/Baghdad")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	cases := []struct {
		in   string
		loc  *time.Location
		want string // RFC 3339 UTC, "" for refused
	}{
		{"Mon, 30 Nov 2026 10:15:00 AST", baghdad, "2026-11-30T07:15:00Z"}, // Arabia Standard Time
		{"Mon, 30 Nov 2026 10:15:00 AST", nil, "2026-11-30T14:15:00Z"},     // Atlantic, as RFC 822 and feedparser read it
		{"Mon, 30 Nov 2026 10:15:00 IST", nil, ""},                         // India, Israel or Ireland: refused
		{"Monday, November 30, 2026 - 10:15", baghdad, "2026-11-30T07:15:00Z"},
		{"Monday, November 30, 2026 - 10:15", nil, "2026-11-30T10:15:00Z"},
		{"2026-11-30T10:15:00", baghdad, "2026-11-30T07:15:00Z"},
		{"2026-11-30T10:15:00Z", baghdad, "2026-11-30T10:15:00Z"},            // a zone given wins
		{"Mon, 30 Nov 2026 10:15:00 +0100", baghdad, "2026-11-30T09:15:00Z"}, // an offset given wins
		{"30/11/2026 10:15", nil, "2026-11-30T10:15:00Z"},
		{"11/30/2026", nil, "2026-11-30T00:00:00Z"},
		{"06/03/2008", nil, ""},
	}
	for _, c := range cases {
		got, ok := ParseDateIn(c.in, c.loc)
		s := ""
		if ok {
			s = got.UTC().Format(time.RFC3339)
		}
		if s != c.want {
			t.Errorf("ParseDateIn(%q, %v) = %q, want %q", c.in, c.loc, s, c.want)
		}
	}
}
