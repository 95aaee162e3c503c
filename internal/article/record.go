package article

import "time"

// What a poll hands the store to record in one transaction, and what the
// store gives back.

// Item is one article to record with what it newly matched and the
// messages (one alert per channel, or held for a digest) to deliver for it.
type Item struct {
	Article  Article
	Hash     string
	Matches  []Match
	Outgoing []Outgoing
}

// Outgoing is a message to record in the outbox.
type Outgoing struct {
	Message Message
	HoldFor string // a digest rule's id: held until that digest is posted
	Story   []byte // the story fingerprint of an alert
}

// Stored is an article as recorded, with when it was first seen.
type Stored struct {
	Article
	FirstSeen time.Time
}
