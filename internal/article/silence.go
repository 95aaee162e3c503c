package article

import (
	"fmt"
	"time"
)

// Silence mutes matches for a while: those of one rule (Rule, an id),
// those from one feed (Feed), or of that rule from that feed (both set);
// those of an article a query matches (Query, in the rule language); or
// one story in one channel (Story: the delivery heading it, whose
// further reports are neither posted nor replied). A silenced match is
// recorded, marked with the silence, and never posted; when the silence
// ends, a notice says so once.
type Silence struct {
	ID        int64     `json:"id"`
	Rule      string    `json:"rule,omitempty"`
	Feed      string    `json:"feed,omitempty"`
	Query     string    `json:"query,omitempty"`
	Story     int64     `json:"story,omitempty"`
	Headline  string    `json:"headline,omitempty"` // the story's first headline, for showing (not stored)
	Channel   string    `json:"channel,omitempty"`  // the channel of that story's post (not stored)
	Origin    int64     `json:"origin,omitempty"`   // the delivery (Slack message) it was set from; 0: not from Slack
	Starts    time.Time `json:"starts"`
	Ends      time.Time `json:"ends"`
	By        string    `json:"created_by"`
	Reason    string    `json:"reason,omitempty"`
	Created   time.Time `json:"created"`
	ExpiredBy string    `json:"expired_by,omitempty"` // who ended it early
	Silenced  int       `json:"silenced"`             // matches it held
}

// Active reports whether the silence holds at now.
func (s Silence) Active(now time.Time) bool { return !now.Before(s.Starts) && now.Before(s.Ends) }

// Covers reports whether the silence holds a match of a rule from a feed
// by its rule and feed; a story silence holds nothing here (the outbox
// asks when it threads), and a query silence's query is judged by the
// caller, which holds the article's text.
func (s Silence) Covers(feed string, m Match) bool {
	return s.Story == 0 && (s.Rule == "" || s.Rule == m.RuleID) && (s.Feed == "" || s.Feed == feed)
}

// What names what the silence mutes: "rule is-leadership", "feed Wire",
// "rule is-leadership from feed Wire".
func (s Silence) What() string {
	var what string
	switch {
	case s.Story != 0 && s.Headline != "":
		return fmt.Sprintf("the story %q", s.Headline)
	case s.Story != 0:
		return fmt.Sprintf("the story of message %d", s.Story)
	case s.Query != "":
		what = "articles matching " + s.Query
		if s.Rule != "" {
			what += " for rule " + s.Rule
		}
		if s.Feed != "" {
			what += " from feed " + s.Feed
		}
		return what
	}
	switch {
	case s.Rule != "" && s.Feed != "":
		return "rule " + s.Rule + " from feed " + s.Feed
	case s.Rule != "":
		return "rule " + s.Rule
	}
	return "feed " + s.Feed
}
