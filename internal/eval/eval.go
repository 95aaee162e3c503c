// Package eval measures feedwatch on real, labelled newswire kept outside
// the repository (../shared/eval, see its README): whether the example
// rules catch real reporting, and whether story threading joins the
// reports of one event and only those. The data is read when present;
// the tests skip cleanly when it is not. Nothing of it is copied here.
package eval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Item is one labelled report.
type Item struct {
	ID        int       `json:"id"`
	Outlet    string    `json:"outlet"`
	Published time.Time `json:"published"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Anbar     string    `json:"anbar_coalition_operation"` // yes, borderline or no
}

// Set is a labelled file: its items, and the groups of ids that report one
// event, strictly (confident) and leniently (also reactions, previews and
// outcomes, round-ups of the same news cycle).
type Set struct {
	Items   []Item
	Strict  [][]int
	Lenient [][]int
}

// Article is the item as a feed would give it.
func (it Item) Article() article.Article {
	return article.Article{Feed: it.Outlet, Identity: "eval:" + itoa(it.ID), Title: it.Title, Summary: it.Text, Published: it.Published,
		Link: "https://" + slug(it.Outlet) + ".example/" + itoa(it.ID)}
}

// Load reads name from the shared evaluation folder, looked for above the
// working directory; ok is false when it is not there.
func Load(name string) (s *Set, ok bool, err error) {
	path, found := find(filepath.Join("shared", "eval", name))
	if !found {
		return nil, false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, true, err
	}
	var raw struct {
		Items   []Item  `json:"items"`
		Lenient [][]int `json:"stories_lenient"`
		Strict  []struct {
			IDs []int `json:"ids"`
		} `json:"stories_strict"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, true, err
	}
	s = &Set{Items: raw.Items, Lenient: raw.Lenient}
	for _, st := range raw.Strict {
		s.Strict = append(s.Strict, st.IDs)
	}
	return s, true, nil
}

// find looks for rel in the working directory's ancestors and their
// siblings (the repository sits next to shared/).
func find(rel string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		for _, p := range []string{filepath.Join(dir, rel), filepath.Join(dir, "..", rel)} {
			if _, err := os.Stat(p); err == nil {
				return p, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func slug(s string) string {
	b := []byte{}
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return string(b)
}

// JoinedLeniently reports whether the lenient labels put a and b in one
// story. The lenient groups extend the strict ones (reactions, previews,
// round-ups of one news cycle), so a strict group counts too: the file's
// lenient lists leave out some strictly labelled items.
func (s *Set) JoinedLeniently(a, b int) bool {
	for _, groups := range [][][]int{s.Lenient, s.Strict} {
		for _, g := range groups {
			if contains(g, a) && contains(g, b) {
				return true
			}
		}
	}
	return false
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
