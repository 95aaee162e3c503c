package store

import (
	"encoding/json"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/article"
)

// envelope is how a message is stored in deliveries.payload: its kind and
// its fields. Payloads written before messages had kinds (an alert's
// fields, with "notice" text or a "digest" list) are still read.
type envelope struct {
	Kind   string          `json:"kind"`
	Alert  *article.Alert  `json:"alert,omitempty"`
	Digest *article.Digest `json:"digest,omitempty"`
	Notice *article.Notice `json:"notice,omitempty"`
}

func encodeMessage(m article.Message) (string, error) {
	var e envelope
	switch m := m.(type) {
	case article.Alert:
		e = envelope{Kind: "alert", Alert: &m}
	case article.Digest:
		e = envelope{Kind: "digest", Digest: &m}
	case article.Notice:
		e = envelope{Kind: "notice", Notice: &m}
	default:
		return "", fmt.Errorf("cannot store a %T", m)
	}
	b, err := json.Marshal(e)
	return string(b), err
}

// legacy is the payload of feedwatch before message kinds.
type legacy struct {
	article.Alert
	Notice string               `json:"notice"`
	Digest []article.DigestItem `json:"digest"`
}

func decodeMessage(payload string) (article.Message, error) {
	var kind struct{ Kind string }
	if err := json.Unmarshal([]byte(payload), &kind); err != nil {
		return nil, err
	}
	if kind.Kind == "" {
		return decodeLegacy(payload)
	}
	var e envelope
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return nil, err
	}
	switch {
	case e.Kind == "alert" && e.Alert != nil:
		return *e.Alert, nil
	case e.Kind == "digest" && e.Digest != nil:
		return *e.Digest, nil
	case e.Kind == "notice" && e.Notice != nil:
		return *e.Notice, nil
	}
	return nil, fmt.Errorf("unknown message kind %q", e.Kind)
}

func decodeLegacy(payload string) (article.Message, error) {
	var old legacy
	if err := json.Unmarshal([]byte(payload), &old); err != nil {
		return nil, err
	}
	switch {
	case old.Notice != "":
		return article.Notice{Channel: old.Channel, Feed: old.Feed, Text: old.Notice}, nil
	case len(old.Digest) > 0:
		d := article.Digest{Channel: old.Channel, Mentions: old.Mentions, Items: old.Digest}
		if len(old.Rules) > 0 {
			d.Rule = old.Rules[0]
		}
		return d, nil
	}
	return old.Alert, nil
}
