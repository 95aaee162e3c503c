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
