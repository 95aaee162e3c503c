// Package novelty decides what of a feed's items is new: which articles
// are new or changed since they were stored, and which of those may alert.
// It is one pure function (Judge) so that the rules are in one place and
// table-tested.
package novelty

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
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

// Keys are the ways each article may have been stored before.
func Keys(arts []article.Article) []article.Key {
	keys := make([]article.Key, len(arts))
	for i := range arts {
		keys[i] = article.Key{Identity: arts[i].Identity, Canon: article.CanonicalLink(arts[i].Link), Hash: Hash(&arts[i])}
	}
	return keys
}

// Judge returns the articles that are new, or whose text changed, each
// with whether it may alert. An article is the one stored before with the
// same identity; failing that, with the same title and text, or the same
// canonical link (a feed that gives its items a new GUID every poll) — it
// then takes that article's identity, so it is neither new nor stored
// twice. A link counts only if it is an article's own: not a site's home
// page, and not shared by two items of the document. On a feed's first
// successful fetch (firstFetch) only articles published within Backfill
// may alert, and undated ones may not; articles older than MaxAge never
// alert. keys are Keys(arts), which the caller asked the store about.
func Judge(arts []article.Article, keys []article.Key, seen article.Seen, firstFetch bool, now time.Time, p Policy) []Verdict {
	shared := map[string]int{}
	for _, k := range keys {
		shared[k.Canon]++
	}
	out := make([]Verdict, 0, len(arts))
	for i, a := range arts {
		k := keys[i]
		before, known := seen.ByIdentity[k.Identity]
		if !known {
			before, known = seen.ByHash[k.Hash]
		}
		if !known && shared[k.Canon] == 1 && article.OwnLink(k.Canon) {
			before, known = seen.ByCanon[k.Canon]
		}
		if known {
			a.Identity = before.Identity
			if before.Hash == k.Hash {
				continue
			}
		}
		out = append(out, Verdict{Article: a, Hash: k.Hash, MayAlert: MayAlert(a.Published, firstFetch, now, p), Matched: before.Rules})
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
	bp := hashBufs.Get().(*[]byte) // the texts are copied into a reused buffer, not each into a new one
	buf := (*bp)[:0]
	for _, s := range []string{a.Title, a.Summary, a.Content} {
		buf = append(append(buf, s...), 0)
	}
	sum := sha256.Sum256(buf)
	*bp = buf
	hashBufs.Put(bp)
	return hex.EncodeToString(sum[:16])
}

// hashBufs are Hash's buffers.
var hashBufs = sync.Pool{New: func() any { return new([]byte) }}
