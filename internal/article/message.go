package article

import (
	"errors"
	"regexp"
	"slices"
	"time"
)

// Message is one thing posted to a channel. Its kinds are Alert, Reply,
// Digest and Notice; how each one looks is decided in internal/slack alone.
type Message interface {
	// Target is the channel the message goes to.
	Target() string
	isMessage()
}

// Alert is one article and every rule that routed it to one channel.
type Alert struct {
	Channel   string    `json:"channel"`
	Feed      string    `json:"feed"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Published time.Time `json:"published"`
	Rules     []string  `json:"rules"`
	RuleIDs   []string  `json:"rule_ids,omitempty"` // the rules' ids, in Rules' order (none in alerts recorded before 0.9)
	Mentions  []string  `json:"mentions,omitempty"` // from rule files only; never from feed text
	Snippet   Snippet   `json:"snippet"`
	Lead      string    `json:"lead,omitempty"`     // start of the summary or text
	Untitled  bool      `json:"untitled,omitempty"` // Title was made from the text: the feed gave none
}

// Reply is an alert posted as a thread reply under an earlier post of the
// same story: another outlet's report. Replies are made when posting; they
// are never stored as such.
type Reply struct {
	Alert
	ThreadTS string // the ts of the post it answers
	Parent   string // that post's headline, for where no thread is drawn (the console)
}

// Digest is one rule's held matches for one channel, posted together; or,
// with Flood set, matches gathered because too many waited for the
// channel ("14 more matches for IS leadership in the last 20 min").
type Digest struct {
	Channel  string       `json:"channel"`
	Rule     string       `json:"rule"` // the rule's name (rules' names, for a flood)
	RuleIDs  []string     `json:"rule_ids,omitempty"`
	Names    []string     `json:"rule_names,omitempty"` // the names of RuleIDs, in order
	Mentions []string     `json:"mentions,omitempty"`
	Items    []DigestItem `json:"items"` // newest first
	Flood    bool         `json:"flood,omitempty"`
	Span     Duration     `json:"span,omitempty"` // for a flood: from the oldest match to the summary
}

// RuleNames are the names of the digest's rules, in RuleIDs' order.
func (d Digest) RuleNames() []string { return d.Names }

// AddRules adds the rules of an alert gathered into the digest, each once.
func (d *Digest) AddRules(a Alert) {
	for i, id := range a.RuleIDs {
		if !slices.Contains(d.RuleIDs, id) && i < len(a.Rules) {
			d.RuleIDs, d.Names = append(d.RuleIDs, id), append(d.Names, a.Rules[i])
		}
	}
}

// Duration is a time.Duration that stores as seconds.
type Duration int64

// D is d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) * time.Second }

// DigestItem is one article of a digest.
type DigestItem struct {
	Feed      string    `json:"feed"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Published time.Time `json:"published"`
}

// NoticeEvent is what an operator notice is about.
type NoticeEvent string

// Operator notice events.
const (
	FeedFailing    NoticeEvent = "feed_failing"    // Feed, Failures, Err, NextTry
	FeedRecovered  NoticeEvent = "feed_recovered"  // Feed, Failures
	DeliveryFailed NoticeEvent = "delivery_failed" // About, Err
	RulesRejected  NoticeEvent = "rules_rejected"  // RulesDir, Problems, Total
	// DeliveryResumed: posting was paused for Paused because outcomes
	// could not be recorded (Err) and has resumed.
	DeliveryResumed NoticeEvent = "delivery_resumed"
	// SilenceEnded: a silence (Silence) ran out or was ended early.
	SilenceEnded NoticeEvent = "silence_ended"
	// SocketRefused: Slack refused the app-level token (Err), so clicks
	// and /feedwatch are not heard.
	SocketRefused NoticeEvent = "socket_refused"
)

// Notice tells the operators' channel about the daemon itself. It carries
// facts; its wording lives with rendering.
type Notice struct {
	Channel  string      `json:"channel"`
	Event    NoticeEvent `json:"event"`
	Feed     string      `json:"feed,omitempty"`
	Failures int         `json:"failures,omitempty"`
	Err      string      `json:"err,omitempty"`
	NextTry  time.Time   `json:"next_try,omitzero"`
	// About describes the message given up (DeliveryFailed): its channel
	// and what it was.
	About *Undelivered `json:"about,omitempty"`
	// RulesRejected: the folder, the first problems and how many in all.
	RulesDir string   `json:"rules_dir,omitempty"`
	Problems []string `json:"problems,omitempty"`
	Total    int      `json:"total,omitempty"`
	// Paused is how long delivery was paused (DeliveryResumed).
	Paused Duration `json:"paused,omitempty"`
	// Silence is the silence that ended (SilenceEnded).
	Silence *Silence `json:"silence,omitempty"`
	// Text is the wording of a notice recorded before notices carried
	// facts; it is shown as it is.
	Text string `json:"text,omitempty"`
}

// Undelivered sums up a message that was given up.
type Undelivered struct {
	Channel string   `json:"channel"`
	Title   string   `json:"title,omitempty"`  // an alert's headline
	Rules   []string `json:"rules,omitempty"`  // the rules of the alert or digest
	Digest  int      `json:"digest,omitempty"` // articles, for a digest
	Kind    string   `json:"kind"`             // "alert", "digest", "flood summary", "notice" or "unreadable record"
}

// Target implements Message.
func (a Alert) Target() string { return a.Channel }

// Target implements Message.
func (d Digest) Target() string { return d.Channel }

// Target implements Message.
func (n Notice) Target() string { return n.Channel }

func (Alert) isMessage()  {}
func (Digest) isMessage() {}
func (Notice) isMessage() {}

// Unreadable stands for a recorded message that cannot be decoded (a
// corrupt row, or one written by a newer feedwatch): it is never posted;
// the outbox fails it for good with Err, so one bad row stops nothing else.
type Unreadable struct {
	Channel string
	Err     string
}

// Target implements Message.
func (u Unreadable) Target() string { return u.Channel }

func (Unreadable) isMessage() {}

// Summary describes m for a notice that it could not be delivered.
func Summary(m Message) *Undelivered {
	switch m := m.(type) {
	case Reply:
		return &Undelivered{Channel: m.Channel, Title: m.Title, Rules: m.Rules, Kind: "alert"}
	case Alert:
		return &Undelivered{Channel: m.Channel, Title: m.Title, Rules: m.Rules, Kind: "alert"}
	case Digest:
		kind := "digest"
		if m.Flood {
			kind = "flood summary"
		}
		return &Undelivered{Channel: m.Channel, Rules: []string{m.Rule}, Digest: len(m.Items), Kind: kind}
	case Unreadable:
		return &Undelivered{Channel: m.Channel, Kind: "unreadable record"}
	}
	return &Undelivered{Channel: m.Target(), Kind: "notice"}
}

// Capabilities is what a transport can do; the daemon and the outbox ask
// it instead of guessing from the configuration.
type Capabilities struct {
	Threads         bool // it can reply in a thread (and returns a ts)
	PerRuleChannels bool // it can post to the channel a rule names
	OpsChannel      bool // it can post operator notices to their own channel
	Paced           bool // posts must be paced (about one per second per channel)
}

// State is where a delivery is in the outbox.
type State string

// Delivery states.
const (
	Pending State = "pending"
	Sent    State = "sent"
	Failed  State = "failed"
	Merged  State = "merged" // the same story as an earlier post, or gathered into a digest
	Held    State = "held"   // waiting for its rule's digest
)

// Delivery is one message in the outbox, as recorded.
type Delivery struct {
	ID        int64
	Message   Message
	State     State
	Attempts  int
	Created   time.Time
	Updated   time.Time
	LastError string
	SlackTS   string
	ThreadTS  string // set when it was posted as a thread reply
	ParentID  int64  // the delivery it replied to or was merged into
	HoldFor   string // the rule whose digest holds it
	Story     []byte // the story fingerprint recorded with an alert
}

// ErrChanged says a delivery was no longer in the state a change expected
// (another worker posted or gathered it meanwhile): nothing was changed.
var ErrChanged = errors.New("the delivery changed state meanwhile")

// ErrLeaseLost is returned when a poll's results arrive after its feed's
// lease ended (several processes on PostgreSQL): another process may have
// polled it, so they are discarded.
var ErrLeaseLost = errors.New("the feed's lease ended before its poll was recorded: another process polls it; this poll's results are discarded")

// Channel is where the delivery goes.
func (d Delivery) Channel() string { return d.Message.Target() }

// IsChannel reports whether s names a Slack channel as feedwatch accepts
// it: "#name" (lower case) or a channel id.
func IsChannel(s string) bool { return channelRe.MatchString(s) }

var channelRe = regexp.MustCompile(`^(#[a-z0-9][a-z0-9._-]*|[CG][A-Z0-9]{6,})$`)
