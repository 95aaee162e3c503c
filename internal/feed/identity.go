package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// identity is the article's id within its feed: the GUID when present,
// else the canonical link, else a hash of title and date.
func identity(guid, link, title string, published time.Time) string {
	if g := strings.TrimSpace(guid); g != "" {
		return short("guid:", g)
	}
	if c := article.CanonicalLink(link); c != "" {
		return short("link:", c)
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(title) + "\x00" + published.UTC().Format(time.RFC3339)))
	return "hash:" + hex.EncodeToString(sum[:16])
}

// maxIdentity is the longest identity kept as it is; a longer GUID or link
// (a hostile feed's megabyte GUID) is kept as its hash.
const maxIdentity = 512

func short(kind, id string) string {
	if len(id) <= maxIdentity {
		return kind + id
	}
	sum := sha256.Sum256([]byte(id))
	return kind + "sha256:" + hex.EncodeToString(sum[:])
}
