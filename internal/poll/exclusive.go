package poll

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
)

// ErrPanic is returned for a job that panicked.
var ErrPanic = errors.New("panic")

// Exclusive runs at most one job per key at a time, whoever starts it (a
// cron tick, a start-up pass, a reload): a job whose key is busy is
// skipped. A panicking job is recovered, logged with its stack and
// reported as an ErrPanic, so a bug on one input never stops the daemon.
type Exclusive struct {
	logger    *slog.Logger
	what, key string   // how logs name a job and its key ("poll", "feed")
	busy      sync.Map // key → *sync.Mutex
}

// NewExclusive returns an Exclusive whose logs name a job what and its key
// key: "poll panicked" feed=…
func NewExclusive(logger *slog.Logger, what, key string) *Exclusive {
	return &Exclusive{logger: logger, what: what, key: key}
}

// Run runs job unless a job of key runs; it reports whether it ran.
func (e *Exclusive) Run(key string, job func() error) (ran bool, err error) {
	mu, _ := e.busy.LoadOrStore(key, &sync.Mutex{})
	if !mu.(*sync.Mutex).TryLock() {
		e.logger.Debug(e.what+" skipped: the previous one still runs", e.key, key)
		return false, nil
	}
	defer mu.(*sync.Mutex).Unlock()
	defer func() {
		if r := recover(); r != nil {
			e.logger.Error(e.what+" panicked", e.key, key, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	ran = true
	return ran, job()
}
