package bench

import "testing"

// BenchmarkPoll measures one poll of 1,000 loopback feeds × 20 new items
// with 100 rules (fetch, parse, store, match), and the same poll when every
// feed answers 304. ns/op is the wall time of the whole poll.
func BenchmarkPoll(b *testing.B) {
	b.Run("cold/feeds=1000/items=20/rules=100", PollBench(1000, 20, 100, false))
	b.Run("all-304/feeds=1000/rules=100", PollBench(1000, 20, 100, true))
}
