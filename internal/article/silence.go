package article

import "time"

// Silence mutes matches for a while: those of one rule (Rule, an id),
// those from one feed (Feed), or of that rule from that feed (both
// set). A silenced match is recorded, marked with the silence, and
// never posted; when the silence ends, a notice says so once.
type Silence struct {
	ID        int64     `json:"id"`
	Rule      string    `json:"rule,omitempty"`
	Feed      string    `json:"feed,omitempty"`
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

// Covers reports whether the silence holds a match of a rule from a feed.
func (s Silence) Covers(feed string, m Match) bool {
	return (s.Rule == "" || s.Rule == m.RuleID) && (s.Feed == "" || s.Feed == feed)
}

// What names what the silence mutes: "rule is-leadership", "feed Wire",
// "rule is-leadership from feed Wire".
func (s Silence) What() string {
	switch {
	case s.Rule != "" && s.Feed != "":
		return "rule " + s.Rule + " from feed " + s.Feed
	case s.Rule != "":
		return "rule " + s.Rule
	}
	return "feed " + s.Feed
}
