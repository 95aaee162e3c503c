package delivery

import (
	"errors"
	"fmt"
	"time"
)

// Action is what to do after a failed post.
type Action int

// The actions a failed post can lead to.
const (
	Retry  Action = iota // try again after Delay; the attempt counts
	Wait                 // the service asked to wait Delay; the attempt does not count
	GiveUp               // record the failure and tell the operators
	Hold                 // the token or webhook was refused: keep it pending, post nothing until it is fixed
)

// Decision is what to do about one failed post.
type Decision struct {
	Action Action
	Delay  time.Duration // before the next attempt (Retry, Wait)
	Reason string        // what went wrong, as recorded and logged
}

// Policy is when to retry.
type Policy struct {
	First       time.Duration // delay after the first failure, doubling per attempt
	Max         time.Duration // the longest delay between attempts
	GiveUpAfter time.Duration // a message older than this is given up
	// Jitter spreads a delay over [d/2, d]; nil keeps d (for tests).
	Jitter func(d time.Duration) time.Duration
}

// permanent and rateLimited are how a transport's error says what it is,
// without the outbox knowing the transport.
type permanent interface{ Permanent() bool }
type unauthorized interface{ Unauthorized() bool }
type rateLimited interface{ RetryAfter() time.Duration }

// Decide is the retry decision for a post that failed with err after
// attempts earlier failed attempts, age after it was recorded: hold every
// post when the token itself is refused (failing each alert in turn would
// lose them all), give up on errors no retry of this message can fix or
// when it is too old, wait as long as asked when rate-limited, else back
// off exponentially (First·2^attempts, at most Max).
func Decide(err error, attempts int, age time.Duration, p Policy) Decision {
	reason := err.Error()
	var auth unauthorized
	if errors.As(err, &auth) && auth.Unauthorized() {
		return Decision{Action: Hold, Reason: reason}
	}
	var perm permanent
	if errors.As(err, &perm) && perm.Permanent() {
		return Decision{Action: GiveUp, Reason: reason}
	}
	var rl rateLimited
	if errors.As(err, &rl) && rl.RetryAfter() > 0 {
		return Decision{Action: Wait, Delay: rl.RetryAfter(), Reason: reason}
	}
	if age > p.GiveUpAfter {
		return Decision{Action: GiveUp, Reason: fmt.Sprintf("gave up after %s: %s", p.GiveUpAfter, reason)}
	}
	d := min(p.First<<min(attempts, 16), p.Max)
	if p.Jitter != nil {
		d = p.Jitter(d)
	}
	return Decision{Action: Retry, Delay: d, Reason: reason}
}
