package story

import (
	"encoding/json"
)

// stored is a fingerprint as it is kept with a recorded alert.
type stored struct {
	Link  string             `json:"l,omitempty"`
	Words map[string]float64 `json:"w,omitempty"`
}

// Encode returns the fingerprint in the form kept with a recorded alert,
// so that later reports are compared with it without recomputing it.
func (fp Fingerprint) Encode() []byte {
	b, _ := json.Marshal(stored{Link: fp.link, Words: fp.words}) // maps of strings and floats always encode
	return b
}

// Decode reads a fingerprint written by Encode.
func Decode(b []byte) (Fingerprint, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return Fingerprint{}, err
	}
	fp := Fingerprint{link: s.Link, words: s.Words}
	if fp.words == nil {
		fp.words = map[string]float64{}
	}
	for _, w := range fp.words {
		fp.total += w
	}
	return fp, nil
}
