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
	Hash  string          // its content hash when last stored
	Rules map[string]bool // the rules it matched
}
