package novelty

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

func TestMayAlert(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	p := Policy{MaxAge: 7 * 24 * time.Hour, Backfill: 24 * time.Hour}
	for _, c := range []struct {
		name       string
		published  time.Time
		firstFetch bool
		want       bool
	}{
		{"an undated item on a feed's first fetch does not alert", time.Time{}, true, false},
		{"an undated item on a later fetch alerts", time.Time{}, false, true},
		{"a fresh item on the first fetch alerts", now.Add(-time.Hour), true, true},
		{"an item older than backfill on the first fetch does not alert", now.Add(-25 * time.Hour), true, false},
		{"an item older than backfill on a later fetch alerts", now.Add(-25 * time.Hour), false, true},
		{"an item older than max_age never alerts", now.Add(-8 * 24 * time.Hour), false, false},
		{"an item dated in the future alerts", now.Add(time.Hour), false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := MayAlert(c.published, c.firstFetch, now, p); got != c.want {
				t.Errorf("MayAlert = %v, want %v", got, c.want)
			}
		})
	}
}

func TestJudgeKeepsNewAndChangedArticlesOnly(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	p := Policy{MaxAge: 7 * 24 * time.Hour, Backfill: 24 * time.Hour}
	same := article.Article{Identity: "a", Title: "Same"}
	edited := article.Article{Identity: "b", Title: "Edited", Summary: "now longer"}
	fresh := article.Article{Identity: "c", Title: "New", Published: now.Add(-time.Hour)}
	known := article.Seen{ByIdentity: map[string]article.Known{
		"a": {Identity: "a", Hash: Hash(&same)},
		"b": {Identity: "b", Hash: "old", Rules: map[string]bool{"r1": true}},
	}}
	arts := []article.Article{same, edited, fresh}
	got := Judge(arts, Keys(arts), known, false, now, p)
	if len(got) != 2 || got[0].Article.Identity != "b" || got[1].Article.Identity != "c" {
		t.Fatalf("verdicts = %+v, want the edited and the new article", got)
	}
	if !got[0].Matched["r1"] || got[1].Matched != nil {
		t.Errorf("an edited article must carry the rules it matched before, a new one none: %+v", got)
	}
	if !got[0].MayAlert || !got[1].MayAlert {
		t.Errorf("both may alert on a later fetch: %+v", got)
	}
}

func TestHashChangesWithTextNotWithLinksOrDates(t *testing.T) {
	a := article.Article{Title: "T", Summary: "S", Link: "https://a.example/1"}
	b := a
	b.Link, b.Published = "https://a.example/2", time.Now()
	if Hash(&a) != Hash(&b) {
		t.Error("links and dates must not change the hash")
	}
	b.Summary = "S2"
	if Hash(&a) == Hash(&b) {
		t.Error("a changed summary must change the hash")
	}
	// Field boundaries count: "ab"+"" differs from "a"+"b".
	if Hash(&article.Article{Title: "ab"}) == Hash(&article.Article{Title: "a", Summary: "b"}) {
		t.Error("moving text between fields must change the hash")
	}
}

func TestAnItemWithANewGUIDIsTheArticleStoredBefore(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	p := Policy{MaxAge: 7 * 24 * time.Hour, Backfill: 24 * time.Hour}
	stored := article.Article{Identity: "guid:1", Title: "Leader killed", Summary: "In Anbar.", Link: "https://wire.example/leader?utm_source=rss"}
	seen := article.Seen{
		ByIdentity: map[string]article.Known{},
		ByHash:     map[string]article.Known{Hash(&stored): {Identity: "guid:1", Hash: Hash(&stored), Rules: map[string]bool{"r": true}}},
		ByCanon:    map[string]article.Known{"https://wire.example/leader": {Identity: "guid:1", Hash: Hash(&stored), Rules: map[string]bool{"r": true}}},
	}
	for _, c := range []struct {
		name     string
		arts     []article.Article
		new      int    // verdicts
		identity string // of the first verdict
	}{
		{"the same title and text under a new GUID is not new", []article.Article{{Identity: "guid:2", Title: stored.Title, Summary: stored.Summary}}, 0, ""},
		{"the same link, edited text, is the stored article changed",
			[]article.Article{{Identity: "guid:3", Title: "Leader killed, officials confirm", Link: "https://WIRE.example/leader#top"}}, 1, "guid:1"},
		{"a link two items of the document share says nothing",
			[]article.Article{{Identity: "guid:4", Title: "A", Link: "https://wire.example/leader"}, {Identity: "guid:5", Title: "B", Link: "https://wire.example/leader"}}, 2, "guid:4"},
		{"a link to the site's home page says nothing", []article.Article{{Identity: "guid:6", Title: "C", Link: "https://wire.example/"}}, 1, "guid:6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Judge(c.arts, Keys(c.arts), seen, false, now, p)
			if len(got) != c.new || len(got) > 0 && got[0].Article.Identity != c.identity {
				t.Fatalf("verdicts %+v, want %d, the first as %q", got, c.new, c.identity)
			}
			if c.identity == "guid:1" && !got[0].Matched["r"] {
				t.Error("the stored article's matches were not carried over: it would alert again for them")
			}
		})
	}
}

// TestHashIsTheStoredOnes: the content hash is the one databases hold —
// SHA-256 of title, summary and text each ended by a zero byte, first
// 16 bytes in hex — however it is computed, or every stored article would
// look changed after an upgrade.
func TestHashIsTheStoredOnes(t *testing.T) {
	for _, a := range []article.Article{{}, {Title: "Abu Khadija killed", Summary: "In Anbar.", Content: strings.Repeat("é text ", 500)}, {Content: "\x00"}} {
		h := sha256.New()
		for _, s := range []string{a.Title, a.Summary, a.Content} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		if got, want := Hash(&a), hex.EncodeToString(h.Sum(nil)[:16]); got != want {
			t.Errorf("Hash(%q) = %s, want %s", a.Title, got, want)
		}
	}
}
