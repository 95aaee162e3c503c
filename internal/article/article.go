// Package article holds the types every stage of the pipeline shares: the
// article a feed yields, the match a rule makes, the messages that are
// recorded and delivered (message.go) and the outbox record that carries
// them. It imports nothing of feedwatch.
package article

import "time"

// Article is one item of a feed, normalised: HTML already turned into text.
type Article struct {
	Feed       string    // name of the feed it came from
	FeedTags   []string  // tags of that feed
	Identity   string    // stable id within the feed (GUID, canonical link or hash)
	Link       string    // http(s) link to the story, may be empty
	Title      string    // plain text
	MadeUp     bool      // Title was made from the text (MadeUpTitle): the feed gave none
	Summary    string    // plain text
	Content    string    // plain text
	Author     string    // plain text
	Categories []string  // plain text
	Published  time.Time // zero when the feed gave no usable date
}

// Span is a half-open byte range [Start, End) in a text.
type Span struct {
	Start, End int
}

// Snippet is the passage that best shows why an article matched, with the
// byte ranges of the hits inside Text.
type Snippet struct {
	Field string // the article field it was taken from
	Text  string
	Hits  []Span
}

// Hit is one matching term occurrence.
type Hit struct {
	Term  string `json:"term"`  // the query term as written in the rule
	Field string `json:"field"` // title, summary, content, ...
	Pos   int    `json:"pos"`   // word position in the field
}

// Explanation says why a rule matched an article.
type Explanation struct {
	Hits    []Hit
	Snippet Snippet
}

// Match is one rule that matched one article.
type Match struct {
	RuleID   string
	RuleName string
	Channel  string // resolved channel: the rule's or the default one
	Mention  string // from the rule file only; never from feed text
	Digest   bool   // the rule collects its matches into a digest
	Explain  Explanation
	Silenced int64 // the silence holding it (recorded, never posted); 0 when none
}

// Marked returns the snippet text with every hit between open and close,
// for plain-text output.
func (s Snippet) Marked(open, close string) string {
	var b []byte
	last := 0
	for _, h := range s.Hits {
		if h.Start < last || h.End > len(s.Text) || h.Start >= h.End {
			continue
		}
		b = append(b, s.Text[last:h.Start]...)
		b = append(b, open...)
		b = append(b, s.Text[h.Start:h.End]...)
		b = append(b, close...)
		last = h.End
	}
	return string(append(b, s.Text[last:]...))
}
