package story

import (
	"context"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// OfAlert fingerprints an alert: its headline, lead and canonical link.
func OfAlert(a article.Alert) Fingerprint {
	return Of(a.Title, a.Lead, article.CanonicalLink(a.Link))
}

// Recorded is the fingerprint recorded with a delivery, or the one of its
// alert for a delivery recorded before fingerprints were.
func Recorded(dl article.Delivery) Fingerprint {
	if len(dl.Story) > 0 {
		if fp, err := Decode(dl.Story); err == nil {
			return fp
		}
	}
	a, _ := dl.Message.(article.Alert)
	return OfAlert(a)
}

// Window is how far apart, by their published times, two reports of one
// story can be.
const Window = 48 * time.Hour

// Head returns the earlier post, among heads, whose story dl reports, or
// nil. It is the most similar one, words weighed by their rarity in c,
// above ThresholdIn; a post at the same canonical link is the same story
// when their words agree at all (sameLink). Two items of one feed are never one story unless
// their links are the same (a feed's next item is news of its own: an
// update, the next release), nor are reports published more than Window
// apart. Only posts with a ts can take a thread reply; with replies false
// (merges, which need no ts) any post will do.
func Head(dl article.Delivery, heads []article.Delivery, c *Corpus, replies bool) *article.Delivery {
	a, ok := dl.Message.(article.Alert)
	if !ok {
		return nil
	}
	fp := Recorded(dl)
	c = c.trusted()
	best, bestScore := -1, 0.0
	for i, h := range heads {
		if h.ID == dl.ID || replies && h.SlackTS == "" {
			continue
		}
		ha, _ := h.Message.(article.Alert)
		hfp := Recorded(h)
		switch {
		case sameLink(fp, hfp):
			return &heads[i]
		case ha.Feed == a.Feed || apart(a.Published, ha.Published):
			continue
		}
		if placesApart(fp, hfp) {
			continue
		}
		score := SimilarityIn(fp, hfp, c) * freshness(a.Published, ha.Published)
		if score >= threshold(c) && score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil
	}
	return &heads[best]
}

// sameLink reports two reports at one canonical link that is an
// article's own (not a home page) and whose headlines and leads agree
// (LinkAgree): a link alone does not make one story, since a feed may
// link every item to one page and a filler item may share the address
// of a later one.
func sameLink(a, b Fingerprint) bool {
	return a.link != "" && a.link == b.link && article.OwnLink(a.link) && Similarity(a, b) >= LinkAgree
}

// LinkAgree is how similar two reports at one link must be to be one
// story: half of Threshold, as the link says much already.
const LinkAgree = Threshold / 2

// freshness discounts the similarity of reports published far apart: 1
// for the same hour, 0.6 at Window. The longer between two reports, the
// likelier they are two events of one kind.
func freshness(a, b time.Time) float64 {
	if a.IsZero() || b.IsZero() {
		return 1
	}
	d := a.Sub(b)
	if d < 0 {
		d = -d
	}
	return 1 - 0.4*min(float64(d)/float64(Window), 1)
}

// MinCorpus is how many reports the word statistics need before rarity
// can be trusted; until then the plain Threshold applies.
const MinCorpus = 20

func threshold(c *Corpus) float64 {
	if c == nil {
		return Threshold
	}
	return ThresholdIn
}

func apart(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	d := a.Sub(b)
	return d > Window || d < -Window
}

// Heads lists the top-level posts made to a channel since a time, newest
// first (store.StoryHeads).
type Heads func(ctx context.Context, channel string, since time.Time) ([]article.Delivery, error)

// Threader returns what the outbox asks before posting an alert: the post
// in its channel, among those of the last Window, whose story it
// continues, or nil.
func Threader(heads Heads, c *Corpus, now func() time.Time) func(context.Context, article.Delivery, bool) (*article.Delivery, error) {
	return func(ctx context.Context, dl article.Delivery, replies bool) (*article.Delivery, error) {
		if _, ok := dl.Message.(article.Alert); !ok {
			return nil, nil
		}
		// A report of the story was published within Window of this one,
		// so recorded no earlier than Window before it was published (a
		// feed may deliver a report late: then now is much later).
		since := now()
		if a := dl.Message.(article.Alert); !a.Published.IsZero() && a.Published.Before(since) {
			since = a.Published
		}
		hs, err := heads(ctx, dl.Channel(), since.Add(-Window))
		if err != nil {
			return nil, err
		}
		return Head(dl, hs, c, replies), nil
	}
}
