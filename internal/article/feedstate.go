package article

import "time"

// FeedState is what is remembered of a feed between polls and restarts.
type FeedState struct {
	Name         string
	URL          string
	ETag         string
	LastModified string
	LastAttempt  time.Time
	LastSuccess  time.Time // zero until the first successful fetch
	LastError    string
	Failures     int // consecutive
	NextDue      time.Time
}

// Known is what is stored of an article seen before: what novelty needs
// to tell a new or changed article from one already seen.
type Known struct {
	Identity string          // as stored
	Hash     string          // its content hash when last stored
	Rules    map[string]bool // the rules it matched
}

// Key is how a stored article can be found again: by identity, by
// canonical link, or by the hash of its title and text.
type Key struct {
	Identity, Canon, Hash string
}

// Seen is what is stored of a batch of articles, by each way of finding
// them.
type Seen struct {
	ByIdentity, ByCanon, ByHash map[string]Known
}
