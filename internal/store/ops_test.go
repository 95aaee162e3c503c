package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

func TestAFailedFetchSavesTheFeedStateWithItsNotices(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		st := article.FeedState{Name: "Wire", URL: "https://wire.example/rss", LastAttempt: now, LastError: "HTTP 503", Failures: 3, NextDue: now.Add(time.Hour)}
		n := article.Notice{Channel: "#ops", Event: article.FeedFailing, Feed: "Wire", Failures: 3, Err: "HTTP 503", NextTry: now.Add(time.Hour)}
		must(t, s.SaveFeedState(ctx, st, n))
		all, err := s.FeedStates(ctx)
		if err != nil || len(all) != 1 || all[0].Failures != 3 || !all[0].NextDue.Equal(now.Add(time.Hour)) || all[0].NextDue.Location() != time.UTC {
			t.Fatalf("feed states = %+v, %v", all, err)
		}
		due, _ := s.Due(ctx, 10)
		if len(due) != 1 {
			t.Fatalf("due = %+v, want the notice", due)
		}
		got, ok := due[0].Message.(article.Notice)
		if !ok || got.Event != article.FeedFailing || !got.NextTry.Equal(n.NextTry) || due[0].Channel() != "#ops" {
			t.Errorf("stored notice came back as %#v", due[0].Message)
		}
		never, err := s.FeedState(ctx, "Other")
		if err != nil || never.Name != "Other" || !never.LastSuccess.IsZero() {
			t.Errorf("a feed never polled = %+v, %v", never, err)
		}
	})
}

func TestHeldMatchesAreReleasedIntoOneDigest(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		var items []Item
		for _, id := range []string{"a", "b"} {
			items = append(items, Item{Article: article.Article{Feed: "Wire", Identity: id}, Hash: id,
				Outgoing: []Outgoing{{Message: article.Alert{Channel: "#d", Title: id}, HoldFor: "anbar-digest"}}})
		}
		must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, items))
		if due, _ := s.Due(ctx, 10); len(due) != 0 {
			t.Errorf("held matches are due: %+v", due)
		}
		held, err := s.HeldFor(ctx, "anbar-digest")
		if err != nil || len(held) != 2 || held[0].HoldFor != "anbar-digest" || held[0].State != article.Held {
			t.Fatalf("held = %+v, %v", held, err)
		}
		digest := article.Digest{Channel: "#d", Rule: "Anbar daily", Items: []article.DigestItem{{Title: "b"}, {Title: "a"}}}
		must(t, s.Gather(ctx, digest, []int64{held[0].ID, held[1].ID}))
		if again, _ := s.HeldFor(ctx, "anbar-digest"); len(again) != 0 {
			t.Errorf("still held after release: %+v", again)
		}
		due, _ := s.Due(ctx, 10)
		if len(due) != 1 {
			t.Fatalf("due = %+v, want the digest", due)
		}
		if d, ok := due[0].Message.(article.Digest); !ok || d.Rule != "Anbar daily" || len(d.Items) != 2 {
			t.Errorf("digest came back as %#v", due[0].Message)
		}
		merged, _ := s.Recent(ctx, article.Merged, 10)
		if len(merged) != 2 || merged[0].ParentID != due[0].ID {
			t.Errorf("merged = %+v, want both held matches pointing at the digest %d", merged, due[0].ID)
		}
	})
}

func TestStoryHeadsAreTopLevelArticlePostsOfTheChannelSinceACutoff(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now.Add(-72 * time.Hour) }
		alert := func(id, ch string) Item {
			return Item{Article: article.Article{Feed: "Wire", Identity: id}, Hash: id,
				Outgoing: []Outgoing{{Message: article.Alert{Channel: ch, Title: id}, Story: []byte(`{"l":"` + id + `"}`)}}}
		}
		must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, []Item{alert("too-old", "#a")}))
		s.Now = func() time.Time { return now }
		must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, []Item{alert("head", "#a"), alert("reply", "#a"), alert("other-channel", "#b"), alert("unsent", "#a")}))
		must(t, s.Enqueue(ctx, article.Notice{Channel: "#a", Text: "a notice"}))
		due, _ := s.Due(ctx, 10)
		ids := map[string]int64{}
		for _, d := range due {
			mustClaim(t, s, d.ID)
			if a, ok := d.Message.(article.Alert); ok {
				ids[a.Title] = d.ID
			} else {
				must(t, s.MarkSent(ctx, d.ID, "ts-notice", nil))
			}
		}
		must(t, s.MarkSent(ctx, ids["head"], "ts-1", nil))
		must(t, s.MarkSent(ctx, ids["reply"], "ts-2", &article.Delivery{ID: ids["head"], SlackTS: "ts-1"}))
		must(t, s.MarkSent(ctx, ids["other-channel"], "ts-3", nil))
		heads, err := s.StoryHeads(ctx, "#a", now.Add(-48*time.Hour))
		if err != nil || len(heads) != 1 || heads[0].ID != ids["head"] || string(heads[0].Story) != `{"l":"head"}` {
			t.Errorf("story heads = %+v, %v; want only the sent top-level article post of #a, with its fingerprint", heads, err)
		}
	})
}

func TestPayloadsWrittenBeforeMessageKindsAreStillRead(t *testing.T) {
	t.Parallel()
	for payload, want := range map[string]article.Message{
		`{"channel":"#ops","feed":"Wire","notice":"Feed \"Wire\" is failing"}`:                    article.Notice{Channel: "#ops", Feed: "Wire", Text: `Feed "Wire" is failing`},
		`{"channel":"#d","rules":["Anbar daily"],"digest":[{"title":"t","feed":"f","link":"l"}]}`: article.Digest{Channel: "#d", Rule: "Anbar daily", Items: []article.DigestItem{{Title: "t", Feed: "f", Link: "l"}}},
		`{"channel":"#a","feed":"Wire","title":"Leader killed","rules":["IS leadership"]}`:        article.Alert{Channel: "#a", Feed: "Wire", Title: "Leader killed", Rules: []string{"IS leadership"}},
	} {
		got, err := decodeMessage(payload)
		if err != nil {
			t.Fatal(err)
		}
		if enc1, _ := encodeMessage(got); enc1 != mustEncode(t, want) {
			t.Errorf("%s\nread as %#v\nwant   %#v", payload, got, want)
		}
	}
	if _, err := decodeMessage(`{"kind":"carrier-pigeon"}`); err == nil || !strings.Contains(err.Error(), "carrier-pigeon") {
		t.Errorf("an unknown kind must be an error naming it, got %v", err)
	}
}

func mustEncode(t *testing.T, m article.Message) string {
	t.Helper()
	s, err := encodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestErrorsNameTheOperation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		s.Close()
		for op, err := range map[string]error{
			"list deliveries held for \"r\"": func() error { _, err := s.HeldFor(ctx, "r"); return err }(),
			"count deliveries":               func() error { _, err := s.DeliveryCounts(ctx); return err }(),
			"queue notices":                  s.Enqueue(ctx, article.Notice{Channel: "#ops"}),
			"save state of feed \"Wire\"":    s.SaveFeedState(ctx, article.FeedState{Name: "Wire"}),
			"mark delivery sent":             s.MarkSent(ctx, 1, "ts", nil),
			"record poll of feed \"Wire\"":   s.Record(ctx, article.FeedState{Name: "Wire"}, nil),
		} {
			if err == nil || !strings.HasPrefix(err.Error(), op+":") {
				t.Errorf("error %v does not start with %q", err, op)
			}
		}
	})
}

// TestLeadsAreTheLeadsOfTheStoredArticles: what the word statistics learn
// from at start-up, read without the whole texts, is each article's
// headline and lead exactly as cut from the whole article (the summary,
// else the text, LeadLen characters), for long, short, empty and
// non-ASCII texts, oldest first.
func TestLeadsAreTheLeadsOfTheStoredArticles(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	long := strings.Repeat("Ramadi’s governor said — ", 40)
	arts := []article.Article{
		{Feed: "Wire", Identity: "1", Title: "Long summary", Summary: long, Content: "ignored"},
		{Feed: "Wire", Identity: "2", Title: "No summary", Content: strings.Repeat("الأنبار ", 100)},
		{Feed: "Wire", Identity: "3", Title: "Short", Summary: "Short lead."},
		{Feed: "Wire", Identity: "4", Title: "Nothing"},
	}
	var items []Item
	for _, a := range arts {
		items = append(items, Item{Article: a, Hash: a.Identity})
	}
	must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, items))
	var got []string
	must(t, s.Leads(ctx, time.Unix(0, 0), 0, func(a *article.Article, _ time.Time) { got = append(got, a.Identity+"|"+a.Title+"|"+a.Summary) }))
	if len(got) != len(arts) {
		t.Fatalf("%d leads, want %d", len(got), len(arts))
	}
	for i, a := range arts {
		lead := a.Summary
		if lead == "" {
			lead = a.Content
		}
		if want := a.Identity + "|" + a.Title + "|" + article.CutRunes(lead, article.LeadLen); got[i] != want {
			t.Errorf("lead %d:\n got %q\nwant %q", i, got[i], want)
		}
	}
}

// TestLeadsKeepTheNewestWhenTheWindowHoldsTooFew: with fewer reports in
// the window than asked for, Leads reaches back to the atLeast newest.
func TestLeadsKeepTheNewestWhenTheWindowHoldsTooFew(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		s.Now = func() time.Time { return base.Add(time.Duration(i) * 24 * time.Hour) }
		must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, []Item{{Article: article.Article{Feed: "Wire", Identity: fmt.Sprint(i), Title: "t"}, Hash: fmt.Sprint(i)}}))
	}
	for _, c := range []struct {
		since   time.Time
		atLeast int
		want    string
	}{
		{base.Add(72 * time.Hour), 0, "34"},
		{base.Add(72 * time.Hour), 4, "1234"},
		{base.Add(400 * time.Hour), 2, "34"},
		{base.Add(400 * time.Hour), 9, "01234"},
		{base.Add(400 * time.Hour), 0, ""},
	} {
		got := ""
		must(t, s.Leads(ctx, c.since, c.atLeast, func(a *article.Article, _ time.Time) { got += a.Identity }))
		if got != c.want {
			t.Errorf("since %s, at least %d: %q, want %q", c.since.Format(time.DateOnly), c.atLeast, got, c.want)
		}
	}
}

// TestSeenFindsEachWayInOneQueryPerPart: a poll of more keys than one
// query asks about still finds every stored article by identity,
// canonical link or content hash, and the first stored with a key
// stands for it.
func TestSeenFindsEachWayInOneQueryPerPart(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	items := []Item{
		{Article: article.Article{Feed: "Wire", Identity: "first", Link: "https://wire.example/same"}, Hash: "h-first"},
		{Article: article.Article{Feed: "Wire", Identity: "second", Link: "https://wire.example/same"}, Hash: "h-second"},
		{Article: article.Article{Feed: "Other", Identity: "first", Link: "https://other.example/x"}, Hash: "h-first"},
	}
	must(t, s.Record(ctx, article.FeedState{Name: "Wire"}, items))
	var keys []article.Key
	for i := range 2*seenChunk + 10 {
		keys = append(keys, article.Key{Identity: fmt.Sprintf("new-%d", i), Hash: fmt.Sprintf("hn-%d", i)})
	}
	keys = append(keys, article.Key{Identity: "gone"}, article.Key{Canon: "https://wire.example/same"}, article.Key{Hash: "h-second"}, article.Key{Identity: "first"})
	seen, err := s.Seen(ctx, "Wire", keys)
	must(t, err)
	if k := seen.ByCanon["https://wire.example/same"]; k.Identity != "first" {
		t.Errorf("by link: %+v, want the first stored", k)
	}
	if k := seen.ByHash["h-second"]; k.Identity != "second" {
		t.Errorf("by hash: %+v", k)
	}
	if k, ok := seen.ByIdentity["first"]; !ok || k.Hash != "h-first" || len(seen.ByIdentity) != 1 || len(seen.ByHash) != 1 {
		t.Errorf("by identity: %+v (%d found), and nothing of another feed", seen.ByIdentity, len(seen.ByIdentity))
	}
	none, err := s.Seen(ctx, "Quiet", keys) // a feed with nothing stored, asked for another feed's keys
	if err != nil || len(none.ByIdentity)+len(none.ByCanon)+len(none.ByHash) != 0 {
		t.Errorf("a feed with no article found %+v, %v", none, err)
	}
}

// TestAnActionDeliveredTwiceActsOnce: the second delivery of one click
// (same key) changes nothing and answers the action as first recorded; a
// refused action is recorded without its effect; ending a silence twice
// says it was over.
func TestAnActionDeliveredTwiceActsOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	now := time.Now()
	snooze := article.Effect{Silences: []article.Silence{{Rule: "is-leadership", Starts: now, Ends: now.Add(time.Hour), By: "U1"}}}
	a := article.Action{Key: "click:C1:1.2:9.9:U1:fw_snooze_rule", User: "U1", Kind: article.SnoozeRule, Target: "message 1", Allowed: true}
	first, fresh, err := s.Act(ctx, a, snooze)
	must(t, err)
	again, fresh2, err := s.Act(ctx, a, snooze)
	must(t, err)
	sls, _ := s.Silences(ctx, false)
	if !fresh || fresh2 || again.ID != first.ID || again.Outcome != first.Outcome || len(sls) != 1 || !strings.Contains(first.Outcome, "silence #1 until") {
		t.Errorf("twice: %+v (%t), %+v (%t), %d silences", first, fresh, again, fresh2, len(sls))
	}
	refused := article.Action{Key: "click:other", User: "U9", Kind: article.SnoozeRule, Outcome: "refused: not a member"}
	if _, _, err := s.Act(ctx, refused, snooze); err != nil {
		t.Fatal(err)
	}
	if sls, _ := s.Silences(ctx, false); len(sls) != 1 {
		t.Errorf("a refused action set a silence: %d", len(sls))
	}
	for i, want := range []string{"silence #1 ended", "silence #1 was already over"} {
		got, _, err := s.Act(ctx, article.Action{Key: fmt.Sprintf("undo-%d", i), User: "U1", Kind: article.Undo, Allowed: true}, article.Effect{Expire: []int64{1}})
		if err != nil || got.Outcome != want {
			t.Errorf("undo %d: %q, %v (want %q)", i, got.Outcome, err, want)
		}
	}
	acts, _ := s.Actions(ctx, now.Add(-time.Hour))
	if len(acts) != 4 || acts[2].Allowed || acts[2].User != "U9" {
		t.Errorf("the audit should hold the 4 actions, the refused one too: %+v", acts)
	}
}

// TestPollsOfEverySizeAreRecordedAndFoundWhole: the rows of a poll are
// written a chunk at a time and the keys asked about padded to a few
// lengths, so polls of sizes around each chunk and length are recorded
// whole — every article with its match and its delivery — and found
// whole, by each key, and nothing more.
func TestPollsOfEverySizeAreRecordedAndFoundWhole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		for _, n := range []int{1, 3, 8, 9, 32, 33, 63, 64, 65, 128, 129, 300, 301} {
			feed := fmt.Sprintf("Wire %d", n)
			var items []Item
			var keys []article.Key
			for i := range n {
				a := article.Article{Feed: feed, Identity: fmt.Sprintf("id-%d", i), Link: fmt.Sprintf("https://wire.example/%d/%d", n, i), Title: fmt.Sprintf("Report %d", i)}
				items = append(items, Item{Article: a, Hash: fmt.Sprintf("h-%d-%d", n, i), Matches: []article.Match{{RuleID: "r"}},
					Outgoing: []Outgoing{{Message: article.Alert{Channel: "#c", Feed: feed, Title: a.Title, Rules: []string{"r"}}}}})
				keys = append(keys, article.Key{Identity: a.Identity, Canon: article.CanonicalLink(a.Link), Hash: items[i].Hash})
			}
			must(t, s.Record(ctx, article.FeedState{Name: feed}, items))
			var arts, matches, deliveries int
			must(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT m.article_id), (SELECT COUNT(*) FROM deliveries d JOIN articles b ON b.id = d.article_id WHERE b.feed = ?)
				FROM articles a LEFT JOIN matches m ON m.article_id = a.id WHERE a.feed = ?`, feed, feed).Scan(&arts, &matches, &deliveries))
			if arts != n || matches != n || deliveries != n {
				t.Errorf("a poll of %d: %d articles, %d matched, %d deliveries recorded", n, arts, matches, deliveries)
			}
			keys = append(keys, article.Key{Identity: "unknown", Canon: "https://wire.example/unknown", Hash: "h-unknown"})
			seen, err := s.Seen(ctx, feed, keys)
			must(t, err)
			if len(seen.ByIdentity) != n || len(seen.ByCanon) != n || len(seen.ByHash) != n || !seen.ByIdentity[fmt.Sprintf("id-%d", n-1)].Rules["r"] {
				t.Errorf("a poll of %d: found %d by identity, %d by link, %d by hash, the last with rules %v", n,
					len(seen.ByIdentity), len(seen.ByCanon), len(seen.ByHash), seen.ByIdentity[fmt.Sprintf("id-%d", n-1)].Rules)
			}
		}
	})
}

// TestStatementsAreKeptOnceAndBounded: callers asking at once for a
// statement not yet kept get it answered, and it is kept once; a
// migration-like script, a pragma or a savepoint is never kept; no more
// than stmtCacheSize shapes are kept, and beyond them statements still
// run; a closed store keeps nothing more.
func TestStatementsAreKeptOnceAndBounded(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "fw.db"))
	q := `SELECT COUNT(*) FROM articles WHERE feed = ?`
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			var n int
			if err := s.db.QueryRowContext(ctx, q, "Wire").Scan(&n); err != nil || n != 0 {
				t.Errorf("%d, %v", n, err)
			}
		})
	}
	wg.Wait()
	for _, notKept := range []string{`PRAGMA user_version`, `SELECT 1; SELECT 2`, `SAVEPOINT x`} {
		if dml(notKept) {
			t.Errorf("%q would be kept prepared", notKept)
		}
	}
	for i := range stmtCacheSize + 10 {
		var n int
		if err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + COUNT(*) FROM feeds`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("statement %d: %d, %v", i, n, err)
		}
	}
	s.db.stmts.mu.Lock()
	kept, once := len(s.db.stmts.m), s.db.stmts.m[q] != nil
	s.db.stmts.mu.Unlock()
	if kept != stmtCacheSize || !once {
		t.Errorf("%d statements kept (the first among them: %v), want %d", kept, once, stmtCacheSize)
	}
	s.Close()
	if st := s.db.stmts.get(ctx, s.db.DB, `SELECT 2`); st != nil {
		t.Error("a closed store kept a statement")
	}
}
