package article

import (
	"errors"
	"fmt"
	"time"
)

// ActionKind is what someone did from Slack or the command line.
type ActionKind string

// Actions an analyst can take.
const (
	MuteStory   ActionKind = "mute_story"   // no more alerts or replies for one story in one channel
	SnoozeRule  ActionKind = "snooze_rule"  // a rule's alerts held for a while
	NotRelevant ActionKind = "not_relevant" // feedback: this article should not have matched these rules
	Undo        ActionKind = "undo"         // a silence ended, or a verdict taken back, from the message that set it
	Unmute      ActionKind = "unmute"       // /feedwatch unmute: silences ended
	Ask         ActionKind = "ask"          // a /feedwatch question that changes nothing (status, silences, test)
)

// Action is one click or command, recorded whether it was allowed or
// not: who, when, what, on what, and what came of it.
type Action struct {
	ID      int64      `json:"id"`
	Key     string     `json:"-"` // Slack's own id for it: delivered twice, it acts once
	At      time.Time  `json:"at"`
	User    string     `json:"user"`
	Kind    ActionKind `json:"action"`
	Target  string     `json:"target"`
	Allowed bool       `json:"allowed"`
	Outcome string     `json:"outcome"`
}

// Effect is what an allowed action changes; the store applies it in the
// transaction that records the action, so that a click delivered twice
// changes things once.
type Effect struct {
	Silences []Silence  // set these silences
	Expire   []int64    // end these silences (those already over are skipped)
	Feedback []Feedback // record these verdicts
	Retract  []int64    // take these verdicts back (feedback ids)
}

// Verdicts an analyst's feedback gives a match.
const (
	VerdictNotRelevant = "not_relevant"
	VerdictRelevant    = "relevant" // a posted alert nobody called not relevant within a day
)

// Feedback is a verdict on one rule's match of one article.
type Feedback struct {
	ID        int64     `json:"id"`
	ArticleID int64     `json:"article_id"`
	Rule      string    `json:"rule"`
	Delivery  int64     `json:"delivery"` // the message it was given on
	Verdict   string    `json:"verdict"`
	User      string    `json:"user"`
	At        time.Time `json:"at"`
	UndoneBy  string    `json:"undone_by,omitempty"`
}

// ErrNotPosted says a Slack ts names no message this feedwatch posted (or
// not recorded as sent yet).
var ErrNotPosted = errors.New("not a message this feedwatch posted")

// Posted is a message feedwatch posted, found from Slack's ts: the
// delivery, the article it was about, the rules that matched it (ids), and
// the delivery heading its story in its channel (itself, or the post it
// replied under).
type Posted struct {
	Delivery  Delivery
	ArticleID int64
	Rules     []string
	Head      int64
}

// Marks are what analysts did on one posted message: the silences set
// from it and the verdicts given on it, ended ones included, for showing
// on the message.
type Marks struct {
	Silences []Silence
	Feedback []Feedback
}

// Precision is a rule's feedback over a window: alerts called not
// relevant, and alerts posted over a day ago that nobody did (relevant).
type Precision struct {
	Rule        string  `json:"rule"`
	Relevant    int     `json:"relevant"`
	NotRelevant int     `json:"not_relevant"`
	Estimate    float64 `json:"precision"` // Relevant / (Relevant + NotRelevant); -1 with neither
}

// String is "0.83 (1 of 6 not relevant)", or "no feedback yet".
func (p Precision) String() string {
	if p.Estimate < 0 {
		return "no feedback yet"
	}
	return fmt.Sprintf("%.2f (%d of %d not relevant)", p.Estimate, p.NotRelevant, p.Relevant+p.NotRelevant)
}

// Labelled is an example for scoring a rule: an article a rule matched
// and was posted, with the analysts' verdict (feedwatch feedback export;
// backtest --labels).
type Labelled struct {
	Rule    string    `json:"rule"`
	Verdict string    `json:"verdict"`
	Title   string    `json:"title"`
	Text    string    `json:"text"`
	Feed    string    `json:"feed"`
	Link    string    `json:"link,omitempty"`
	At      time.Time `json:"at"`
}
