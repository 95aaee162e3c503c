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
		return "guid:" + g
	}
	if c := article.CanonicalLink(link); c != "" {
		return "link:" + c
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(title) + "\x00" + published.UTC().Format(time.RFC3339)))
	return "hash:" + hex.EncodeToString(sum[:16])
}
