package story

import (
	"runtime"
	"sync"
	"time"
)

// Report is a stored report as learning reads it: its key (feed and
// identity), when it was recorded, its headline and its lead.
type Report struct {
	Key         string
	Recorded    time.Time
	Title, Lead string
}

// learnBatch is how many reports a worker fingerprints at a time.
const learnBatch = 64

// AddAll adds each report read yields, as Add would one after another —
// the statistics are the same, in the same order — but fingerprints them
// on as many goroutines as the process has processors while read goes
// on reading: learning a week of stored reports (20,000 after a first
// once of 1,000 feeds) had been one goroutine's work, a sixth of that
// once's time, while the other processor waited. Only the counting is
// done in order, on one goroutine. At most a few batches are in hand at
// once, whatever read yields. AddAll returns read's error.
func (c *Corpus) AddAll(read func(add func(Report)) error) error {
	workers := min(runtime.GOMAXPROCS(0), 4)
	if workers < 2 {
		var r Reader
		return read(func(rep Report) { c.Add(rep.Key, rep.Recorded, r.Of(rep.Title, rep.Lead, "")) })
	}
	free := make(chan *reportBatch, workers+2) // bounds what is in hand
	for range cap(free) {
		free <- &reportBatch{}
	}
	work, order := make(chan *reportBatch, cap(free)), make(chan *reportBatch, cap(free))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var r Reader
			for b := range work {
				b.fingerprint(c, &r)
			}
		})
	}
	counted := make(chan struct{})
	go func() { // in order
		defer close(counted)
		for b := range order {
			<-b.done
			for i, rep := range b.reports {
				c.add(rep.Key, rep.Recorded, b.hashes[b.ends[i]:b.ends[i+1]])
			}
			free <- b
		}
	}()
	b := (<-free).reset()
	send := func() {
		work <- b
		order <- b
	}
	defer func() { // even if read panics: no goroutine left waiting
		send() // the last, however short
		close(work)
		close(order)
		<-counted
		wg.Wait()
	}()
	return read(func(rep Report) {
		b.reports = append(b.reports, rep)
		if len(b.reports) == learnBatch {
			send()
			b = (<-free).reset()
		}
	})
}

// reportBatch is reports read, then the hashes of each one's fingerprint
// words (the i-th report's from ends[i] to ends[i+1]).
type reportBatch struct {
	reports []Report
	hashes  []uint64
	ends    []int
	done    chan struct{}
}

func (b *reportBatch) reset() *reportBatch {
	clear(b.reports) // nothing of the last batch's text kept alive
	b.reports, b.hashes, b.ends = b.reports[:0], b.hashes[:0], append(b.ends[:0], 0)
	b.done = make(chan struct{})
	return b
}

func (b *reportBatch) fingerprint(c *Corpus, r *Reader) {
	for _, rep := range b.reports {
		fp := r.Of(rep.Title, rep.Lead, "")
		for w := range fp.words {
			b.hashes = append(b.hashes, c.wordHash(w))
		}
		b.ends = append(b.ends, len(b.hashes))
	}
	close(b.done)
}
