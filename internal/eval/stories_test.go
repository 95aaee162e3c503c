package eval

import (
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/route"
	"github.com/feedwatch/feedwatch/internal/story"
)

// threading replays items in published order through story threading as
// the outbox does it — each item is an alert in one channel; it becomes a
// reply under the earlier post story.Head picks among the posts of the
// last 48 hours, or a post of its own — and returns each item's thread
// root and the merges made (item → the post it replied to).
func threading(items []Item) (root map[int]int, merges [][2]int) {
	sorted := append([]Item(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Published.Before(sorted[j].Published) })
	root = map[int]int{}
	corpus := story.NewCorpus()
	var heads []article.Delivery // top-level posts, newest first
	for _, it := range sorted {
		a := it.Article()
		al := article.Alert{Channel: "#iraq", Feed: a.Feed, Title: a.Title, Link: a.Link, Published: a.Published, Lead: route.Lead(&a)}
		fp := story.OfAlert(al)
		corpus.Add(strconv.Itoa(it.ID), it.Published, fp)
		dl := article.Delivery{ID: int64(it.ID), Message: al, Story: fp.Encode(), Created: it.Published}
		var recent []article.Delivery
		for _, h := range heads {
			if it.Published.Sub(h.Created) <= 48*time.Hour {
				recent = append(recent, h)
			}
		}
		if h := story.Head(dl, recent, corpus, false); h != nil {
			root[it.ID] = root[int(h.ID)]
			merges = append(merges, [2]int{it.ID, int(h.ID)})
			continue
		}
		root[it.ID] = it.ID
		heads = append([]article.Delivery{dl}, heads...)
	}
	return root, merges
}

// TestStoryThreadingOnRealNewswire measures story.Head alone, items
// replayed as the outbox would (the function-level figure; the product's
// is TestStoryThreadingThroughTheProduct).
func TestStoryThreadingOnRealNewswire(t *testing.T) {
	set, ok, err := Load("agnews-iraq-dev.json")
	if !ok {
		t.Skip("../shared/eval/agnews-iraq-dev.json is not here")
	}
	if err != nil {
		t.Fatal(err)
	}
	root, merges := threading(set.Items)
	score(t, set, root, merges, 0.5)
}

// score judges threads against the labels: pair precision (a merge is
// right when the lenient labels join the two reports), recall (the share
// of the strictly labelled same-event pairs that end up in one thread)
// and every wrong merge. It fails below precision 0.9, below minRecall or
// with more than one wrong merge.
func score(t *testing.T, set *Set, root map[int]int, merges [][2]int, minRecall float64) {
	t.Helper()
	byID := map[int]Item{}
	for _, it := range set.Items {
		byID[it.ID] = it
	}
	right := 0
	for _, m := range merges {
		if set.JoinedLeniently(m[0], m[1]) {
			right++
			continue
		}
		t.Logf("WRONG MERGE: %q\n    under %q", byID[m[0]].Title, byID[m[1]].Title)
	}
	pairs, joined := 0, 0
	for _, g := range set.Strict {
		for i := range g {
			for j := i + 1; j < len(g); j++ {
				pairs++
				if ri, ok := root[g[i]]; ok && ri == root[g[j]] {
					joined++
				}
			}
		}
	}
	precision := 1.0
	if len(merges) > 0 {
		precision = float64(right) / float64(len(merges))
	}
	recall := float64(joined) / float64(max(pairs, 1))
	t.Logf("%d items, %d merges: precision %.2f (%d right), recall %.2f (%d of %d strict pairs joined)",
		len(set.Items), len(merges), precision, right, recall, joined, pairs)
	if wrong := len(merges) - right; precision < 0.9 || recall < minRecall || wrong > 1 {
		t.Errorf("precision %.2f (want ≥ 0.9), recall %.2f (want ≥ %.2f), %d wrong merges (want ≤ 1)", precision, recall, minRecall, wrong)
	}
}
