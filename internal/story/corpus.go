package story

import (
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"time"
)

// Corpus counts in how many recent reports each word occurs, so that
// comparison weighs a word by how rare it is: "Najaf" or "Douri" says more
// about which event a report is about than "Iraq", "Baghdad" or "killed",
// which most reports share. A nil Corpus weighs every word alike.
//
// The statistics roll: a report counts for CorpusDays from when it was
// recorded, then leaves them, so a daemon that runs for months weighs
// words by this week's news, as one that just started (and learned the
// last CorpusDays of articles from the database) does. A quiet
// installation keeps older days while fewer than CorpusFloor reports
// would remain: rarity measured over a handful of reports means nothing.
// A report counts once however often it is added (start-up learning,
// then a poll).
//
// With LearnOnUse, reports added before learning begins are not counted
// at all: they are recorded before they are added, so learning reads
// them from the database with the rest. A once that threads nothing (or
// a daemon before its first threaded alert) spends neither the time nor
// the memory of the statistics (Counting).
type Corpus struct {
	mu     sync.RWMutex
	words  wordDays // over the days kept, by the word's hash (wordHash)
	docs   int
	days   map[int64]*corpusDay // by day number since the Unix epoch
	seen   map[uint64]struct{}  // reports counted, by their key's hash (reportHash)
	seed   maphash.Seed
	newest int64
	defers bool // LearnOnUse's learning has not begun: Add counts nothing

	lmu   sync.Mutex
	learn func() // LearnOnUse's, once
}

// LearnOnUse has learn — counting the reports recorded in the last days,
// from the database — run once, when the statistics are first needed to
// compare two reports, instead of at start-up: a once that posts nothing
// never reads them (a 304 pass read 20,000 stored articles for nothing),
// and a daemon's first threaded alert pays for it once. Until learning
// begins Add counts nothing (the reports are in the database learning
// reads); from then on a report counts once, whichever of learning and
// its poll adds it first.
func (c *Corpus) LearnOnUse(learn func()) {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	c.mu.Lock()
	c.defers = true
	c.mu.Unlock()
	c.learn = sync.OnceFunc(func() {
		c.mu.Lock()
		c.defers = false // from here on Add counts: what learning's read of the database misses, its poll adds
		c.mu.Unlock()
		learn()
	})
}

// Counting reports whether Add counts reports now: not before the
// learning LearnOnUse set has begun. A caller may skip fingerprinting
// what it would add.
func (c *Corpus) Counting() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return !c.defers
}

// Has reports whether the report of this key is counted: learning skips
// those a poll of this process already added, without reading their words.
func (c *Corpus) Has(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, counted := c.seen[c.reportHash(key)]
	return counted
}

// Learn runs LearnOnUse's learning now, if it has not run. Nothing in the
// daemon calls it: the first comparison of two reports learns (and waits
// for it), in run as in once.
func (c *Corpus) Learn() { c.learned() }

// learned runs LearnOnUse's learning if it has not run yet, and waits
// for it if it is running.
func (c *Corpus) learned() {
	c.lmu.Lock()
	learn := c.learn
	c.lmu.Unlock()
	if learn != nil {
		learn()
	}
}

type corpusDay struct {
	docs int
	keys []uint64 // reportHash
}

// CorpusDays is how many days of reports the statistics hold, and
// CorpusFloor how many reports they keep, however old, when those days
// hold fewer.
const (
	CorpusDays  = 7
	CorpusFloor = 1000
)

// NewCorpus returns an empty corpus.
func NewCorpus() *Corpus {
	return &Corpus{words: newWordDays(), days: map[int64]*corpusDay{}, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// reportHash stands for a report's key in the statistics: a week of
// 200,000 reports kept their keys (feed and identity) as 12 MB of
// strings. Two keys of one hash (one chance in 10⁹ for 200,000 reports)
// would count one report fewer, which no rarity would notice.
func (c *Corpus) reportHash(key string) uint64 {
	return maphash.String(c.seed, key)
}

// wordHash stands for a word in the statistics, as reportHash for a
// report: a word is then no string of its article's text, which the
// corpus would keep alive, nor a copy of one (a week of news holds tens
// of thousands of words), and the collector has no pointer to follow.
// Two words of one hash (one chance in 10¹⁰ for 500,000 words) would
// weigh both a little less.
func (c *Corpus) wordHash(w string) uint64 {
	return maphash.String(c.seed, w)
}

// Add counts the words of a report recorded at a time. key identifies the
// report (feed and identity); a key counted before is not counted again,
// nor is a report older than the days kept, nor any report while learning
// waits to begin (Counting).
func (c *Corpus) Add(key string, recorded time.Time, fp Fingerprint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if day, ok := c.admit(key, recorded); ok {
		for w := range fp.words {
			c.words.add(c.wordHash(w), day)
		}
	}
}

// add is Add for a report whose fingerprint's words are hashed already
// (wordHash), as AddAll's workers hash them.
func (c *Corpus) add(key string, recorded time.Time, words []uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if day, ok := c.admit(key, recorded); ok {
		for _, h := range words {
			c.words.add(h, day)
		}
	}
}

// admit counts the report of key as one of the day it was recorded, and
// returns that day, unless it is not to be counted (Add). c.mu is held.
func (c *Corpus) admit(key string, recorded time.Time) (int32, bool) {
	h := c.reportHash(key)
	if _, counted := c.seen[h]; c.defers || counted {
		return 0, false
	}
	day := recorded.Unix() / 86400
	if day > c.newest {
		c.newest = day
		c.expire()
	}
	if day <= c.newest-CorpusDays && c.docs >= CorpusFloor {
		return 0, false
	}
	b := c.days[day]
	if b == nil {
		b = &corpusDay{}
		c.days[day] = b
	}
	c.seen[h] = struct{}{}
	b.keys = append(b.keys, h)
	b.docs++
	c.docs++
	return int32(day), true
}

// expire drops the days that fell out of the window, oldest first, as
// long as CorpusFloor reports remain.
func (c *Corpus) expire() {
	var old []int64
	for day := range c.days {
		if day <= c.newest-CorpusDays {
			old = append(old, day)
		}
	}
	slices.Sort(old)
	for _, day := range old {
		b := c.days[day]
		if c.docs-b.docs < CorpusFloor {
			return
		}
		c.docs -= b.docs
		c.words.drop(int32(day))
		for _, k := range b.keys {
			delete(c.seen, k)
		}
		delete(c.days, day)
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
	df := c.words.total(c.wordHash(w))
	return math.Log(float64(c.docs+1)/float64(df+1)) + 1
}

// Docs is how many reports are counted now.
func (c *Corpus) Docs() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs
}

// trusted is c when it counts enough reports (MinCorpus) for rarity to
// mean something, else nil: every word alike.
func (c *Corpus) trusted() *Corpus {
	if c == nil {
		return nil
	}
	c.learned()
	if c.Docs() < MinCorpus {
		return nil
	}
	return c
}
