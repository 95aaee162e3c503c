package story

import "slices"

// wordDays counts, word by word, in how many reports of each day a word
// occurs. A word is its hash (Corpus.wordHash) and its counts are values
// in the map, with no pointer: the statistics of a week of news hold
// tens of thousands of words, which the garbage collector then never
// scans, and a word costs its map slot alone while it occurs on one day
// only — as every word does in a first pass. The days after a word's
// first are kept aside, in later.
type wordDays struct {
	words map[uint64]wordCount
	later [][]dayCount // a word's days after its first, oldest first: by wordCount.later-1
	free  []int32      // slots of later that no word holds
}

// wordCount is in how many reports a word occurs, in all and on each day
// it occurs: its first day inline, the others in wordDays.later.
type wordCount struct {
	total int32
	first dayCount
	later int32 // 1+ the slot in wordDays.later, or 0: no other day
}

type dayCount struct {
	day int32 // days since the Unix epoch
	n   int32
}

func newWordDays() wordDays { return wordDays{words: map[uint64]wordCount{}} }

// total is in how many reports the word of hash h occurs.
func (wd *wordDays) total(h uint64) int { return int(wd.words[h].total) }

// add counts one report of day for the word of hash h. Reports come in
// order of day but for a few: learning reads the oldest first while
// polls add today's.
func (wd *wordDays) add(h uint64, day int32) {
	wc, ok := wd.words[h]
	switch {
	case !ok:
		wc.first = dayCount{day, 1}
	case wc.first.day == day:
		wc.first.n++
	case day < wc.first.day:
		wd.setLater(&wc, slices.Insert(wd.days(wc), 0, wc.first))
		wc.first = dayCount{day, 1}
	default:
		rest := wd.days(wc)
		i := len(rest)
		for i > 0 && rest[i-1].day > day {
			i--
		}
		if i > 0 && rest[i-1].day == day {
			rest[i-1].n++
		} else {
			wd.setLater(&wc, slices.Insert(rest, i, dayCount{day, 1}))
		}
	}
	wc.total++
	wd.words[h] = wc
}

// days is a word's days after its first.
func (wd *wordDays) days(wc wordCount) []dayCount {
	if wc.later == 0 {
		return nil
	}
	return wd.later[wc.later-1]
}

// setLater keeps rest as wc's days after its first, in a slot of later
// taken when wc has none, and given back when rest is empty.
func (wd *wordDays) setLater(wc *wordCount, rest []dayCount) {
	switch {
	case wc.later != 0 && len(rest) == 0:
		wd.later[wc.later-1] = nil
		wd.free = append(wd.free, wc.later-1)
		wc.later = 0
	case wc.later != 0:
		wd.later[wc.later-1] = rest
	case len(rest) > 0:
		if n := len(wd.free); n > 0 {
			wc.later = wd.free[n-1] + 1
			wd.free = wd.free[:n-1]
			wd.later[wc.later-1] = rest
		} else {
			wd.later = append(wd.later, rest)
			wc.later = int32(len(wd.later))
		}
	}
}

// drop forgets the reports of day, every word's, and the words that
// occur on no other day.
func (wd *wordDays) drop(day int32) {
	for h, wc := range wd.words { // once a day: every word, rather than a map of each day's
		rest := wd.days(wc)
		switch {
		case wc.first.day == day:
			wc.total -= wc.first.n
			if len(rest) == 0 {
				delete(wd.words, h)
				continue
			}
			wc.first = rest[0]
			wd.setLater(&wc, rest[1:])
		default:
			i := slices.IndexFunc(rest, func(dc dayCount) bool { return dc.day == day })
			if i < 0 {
				continue
			}
			wc.total -= rest[i].n
			wd.setLater(&wc, slices.Delete(rest, i, i+1))
		}
		wd.words[h] = wc
	}
}
