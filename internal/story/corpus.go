package story

import (
	"math"
	"sync"
)

// Corpus counts in how many recent reports each word occurs, so that
// comparison weighs a word by how rare it is: "Najaf" or "Douri" says more
// about which event a report is about than "Iraq", "Baghdad" or "killed",
// which most reports share. A nil Corpus weighs every word alike.
type Corpus struct {
	mu   sync.RWMutex
	df   map[string]int
	docs int
}

// NewCorpus returns an empty corpus.
func NewCorpus() *Corpus { return &Corpus{df: map[string]int{}} }

// Add counts a report's words.
func (c *Corpus) Add(fp Fingerprint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.docs++
	for w := range fp.words {
		c.df[w]++
	}
}

// idf is how much a word weighs: log((N+1)/(df+1)) + 1, so that a word in
// every report still counts a little and an unseen word the most.
func (c *Corpus) idf(w string) float64 {
	if c == nil {
		return 1
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return math.Log(float64(c.docs+1)/float64(c.df[w]+1)) + 1
}

// Docs is how many reports were counted.
func (c *Corpus) Docs() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs
}
