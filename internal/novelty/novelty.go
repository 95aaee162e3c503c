// Package novelty decides what of a feed's items is new: which articles
// are new or changed since they were stored, and which of those may alert.
// It is one pure function (Judge) so that the rules are in one place and
// table-tested.
package novelty

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Policy limits which articles may alert.
type Policy struct {
	MaxAge   time.Duration // older articles never alert
	Backfill time.Duration // on a feed's first fetch, only articles this recent alert
}

// Verdict is one article that is new or changed.
type Verdict struct {
	Article  article.Article
	Hash     string
	MayAlert bool
	// Matched are the rules it matched before it changed: an edited item
	// alerts only for rules it had not matched.
	Matched map[string]bool
}

// Judge returns the articles that are new, or whose text changed, each
// with whether it may alert. On a feed's first successful fetch
// (firstFetch) only articles published within Backfill may alert, and
// undated ones may not; articles older than MaxAge never alert.
func Judge(arts []article.Article, known map[string]article.Known, firstFetch bool, now time.Time, p Policy) []Verdict {
	var out []Verdict
	for _, a := range arts {
		h := Hash(&a)
		before, seen := known[a.Identity]
		if seen && before.Hash == h {
			continue
		}
		out = append(out, Verdict{Article: a, Hash: h, MayAlert: MayAlert(a.Published, firstFetch, now, p), Matched: before.Rules})
	}
	return out
}

// MayAlert says whether an article published then may alert now.
func MayAlert(published time.Time, firstFetch bool, now time.Time, p Policy) bool {
	if published.IsZero() {
		return !firstFetch
	}
	age := now.Sub(published)
	if age > p.MaxAge {
		return false
	}
	return !firstFetch || age <= p.Backfill
}

// Hash is an article's content hash: it changes when the title or text
// changes, not when only links or dates do.
func Hash(a *article.Article) string {
	h := sha256.New()
	for _, s := range []string{a.Title, a.Summary, a.Content} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
