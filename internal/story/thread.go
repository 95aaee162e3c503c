package story

import "github.com/feedwatch/feedwatch/internal/article"

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

// Head returns the earlier post, among heads, whose story dl reports — the
// most similar — or nil. Only posts with a ts can take a thread reply;
// with replies false (merges, which need no ts) any post will do.
func Head(dl article.Delivery, heads []article.Delivery, replies bool) *article.Delivery {
	if _, ok := dl.Message.(article.Alert); !ok {
		return nil
	}
	var cands []Fingerprint
	var which []int
	for i, h := range heads {
		if h.ID == dl.ID || (replies && h.SlackTS == "") {
			continue
		}
		cands, which = append(cands, Recorded(h)), append(which, i)
	}
	if k := Pick(Recorded(dl), cands); k >= 0 {
		return &heads[which[k]]
	}
	return nil
}
