package rules

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/story"
)

// TestReadGivesTheFingerprintOfOf: the fingerprint a poll makes from the
// words it matched is the one story.Of makes from the headline and lead,
// for short and long summaries, a text without a summary, and non-ASCII.
func TestReadGivesTheFingerprintOfOf(t *testing.T) {
	fixture, _ := os.ReadFile("../../../shared/fixtures/abu-khadija.txt")
	long := strings.Repeat("Iraqi forces said on Friday that the operation in Anbar killed a senior commander. ", 12)
	cases := []article.Article{
		{Title: "Iraq says Islamic State leader killed", Summary: "The head of the Islamic State was killed in Anbar."},
		{Title: "Raid in Ramadi", Summary: long},
		{Title: "Raid in Ramadi", Content: long},
		{Title: "Irak : le chef de l’État islamique tué", Summary: "Le chef de l’État islamique, Abou Khadija, a été tué dans l’Anbar, selon Bagdad. " + long},
		article.FromText(string(fixture)),
	}
	set := &Set{}
	for _, a := range cases {
		_, got := set.Read(&a)
		want := story.Of(a.Title, route.Lead(&a), "")
		if !bytes.Equal(got.Encode(), want.Encode()) {
			t.Errorf("%q: Read's fingerprint %s, story.Of's %s", a.Title, got.Encode(), want.Encode())
		}
	}
}
