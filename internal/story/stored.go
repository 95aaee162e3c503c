package story

import (
	"encoding/json"
	"sort"
)

// stored is a fingerprint as it is kept with a recorded alert.
type stored struct {
	Link      string             `json:"l,omitempty"`
	Words     map[string]float64 `json:"w,omitempty"`
	Specifics []string           `json:"s,omitempty"`
}

// Encode returns the fingerprint in the form kept with a recorded alert,
// so that later reports are compared with it without recomputing it.
func (fp Fingerprint) Encode() []byte {
	s := stored{Link: fp.link, Words: fp.words}
	for w := range fp.specifics {
		s.Specifics = append(s.Specifics, w)
	}
	sort.Strings(s.Specifics)
	b, _ := json.Marshal(s) // maps of strings and floats always encode
	return b
}

// Decode reads a fingerprint written by Encode.
func Decode(b []byte) (Fingerprint, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return Fingerprint{}, err
	}
	fp := Fingerprint{link: s.Link, words: s.Words, specifics: map[string]bool{}}
	if fp.words == nil {
		fp.words = map[string]float64{}
	}
	for _, w := range fp.words {
		fp.total += w
	}
	for _, w := range s.Specifics {
		fp.specifics[w] = true
	}
	return fp, nil
}

// Pick returns the index of the earlier report that fp is the same story
// as — the most similar one, a shared canonical link counting as
// identical — or -1 when there is none.
func Pick(fp Fingerprint, earlier []Fingerprint) int {
	best, bestScore := -1, 0.0
	for i, e := range earlier {
		if !Same(fp, e) {
			continue
		}
		score := Similarity(fp, e)
		if fp.link != "" && fp.link == e.link {
			score = 2
		}
		if best < 0 || score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}
