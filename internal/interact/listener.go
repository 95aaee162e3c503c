// Package interact lets analysts answer feedwatch from Slack: it listens
// over Socket Mode (no public endpoint), acknowledges every envelope at
// once, and then acts — the buttons on alerts (mute a story, snooze a
// rule, "not relevant", undo) and the /feedwatch command. Every action is
// recorded with who, when and on what, allowed or not; its effect lives
// in the database (store.Act), so a click Slack delivers twice, or to
// another process, acts once.
package interact

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/rules"
	"github.com/feedwatch/feedwatch/internal/secret"
	fwslack "github.com/feedwatch/feedwatch/internal/slack"
)

// Store is what answering needs of the database.
type Store interface {
	Act(ctx context.Context, a article.Action, e article.Effect) (article.Action, bool, error)
	Posted(ctx context.Context, ts string) (article.Posted, error)
	Marks(ctx context.Context, delivery int64) (article.Marks, error)
	Silences(ctx context.Context, all bool) ([]article.Silence, error)
	Articles(ctx context.Context, since time.Time) ([]article.Stored, error)
	Precision(ctx context.Context, now time.Time) (map[string]article.Precision, error)
	Enqueue(ctx context.Context, notices ...article.Notice) error
}

// Deps are what a Listener is built from.
type Deps struct {
	Store   Store
	Rules   func() *rules.Set          // the rules in force
	Failing func() []string            // feeds failing now, for /feedwatch status
	Verdict func(rule, verdict string) // counts feedback (metrics); nil: not counted
	Logger  *slog.Logger
	Now     func() time.Time // nil: time.Now
	Client  *http.Client     // nil: one with a 30 s time-out
	// RetryRefused is how long a refused app token waits before it is
	// tried again; 0: 5 minutes (tests shorten it).
	RetryRefused time.Duration
}

// Listener is the Socket Mode side of feedwatch.
type Listener struct {
	cfg       atomic.Pointer[config.Config]
	deps      Deps
	api       *slack.Client
	secrets   []string
	auth      *authorizer
	problem   atomic.Value // string: why nothing is heard now, for /readyz
	connected atomic.Bool  // a socket was opened since connect began
	work      sync.WaitGroup
	grace     time.Duration
}

// New returns a listener for cfg (which must be Interactive).
func New(cfg *config.Config, deps Deps) *Listener {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Client == nil {
		deps.Client = &http.Client{Timeout: 30 * time.Second}
	}
	deps.RetryRefused = cmp.Or(deps.RetryRefused, 5*time.Minute)
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Logger = deps.Logger.With("component", "interact")
	opts := []slack.Option{slack.OptionHTTPClient(deps.Client), slack.OptionAppLevelToken(cfg.Slack.AppToken.Reveal())}
	if cfg.Slack.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(fwslack.APIBase(cfg.Slack.APIURL)))
	}
	api := slack.New(cfg.Slack.Token.Reveal(), opts...)
	l := &Listener{deps: deps, api: api, grace: 10 * time.Second,
		secrets: []string{cfg.Slack.Token.Reveal(), cfg.Slack.AppToken.Reveal()}}
	l.cfg.Store(cfg)
	l.auth = newAuthorizer(api, func() []string { return l.cfg.Load().Slack.Interact.Allow }, deps.Now)
	l.problem.Store("slack socket mode: not connected yet")
	return l
}

// Apply takes a reloaded configuration: who may act and where feedwatch
// posts change at once; new tokens or another API URL need a restart
// (the connection is made with the old ones), which Apply says.
func (l *Listener) Apply(cfg *config.Config) {
	old := l.cfg.Load().Slack
	if cfg.Slack.Token != old.Token || cfg.Slack.AppToken != old.AppToken || cfg.Slack.APIURL != old.APIURL {
		l.deps.Logger.Warn("slack.token, slack.app_token or slack.api_url changed: buttons and /feedwatch keep the old ones until feedwatch restarts")
	}
	l.cfg.Store(cfg)
}

// Problem says why clicks and commands are not heard now ("" when they
// are), for /readyz.
func (l *Listener) Problem() string { p, _ := l.problem.Load().(string); return p }

// Run listens until ctx ends, reconnecting as Slack asks or the network
// needs; then it lets the actions being handled finish (up to 10 s).
func (l *Listener) Run(ctx context.Context) error {
	defer l.finish()
	refused := false
	for ctx.Err() == nil {
		err := l.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if l.connected.Swap(false) {
			refused = false // it was heard since: a new refusal is news again
		}
		why := secret.Redact(err.Error(), l.secrets...)
		l.problem.Store("slack socket mode: the app token is refused (" + why + "): clicks and /feedwatch are not heard")
		l.deps.Logger.Error("Socket Mode connection refused; trying again later", "err", why, "retry_in", l.deps.RetryRefused)
		if ops := l.cfg.Load().Slack.OpsChannel; !refused && ops != "" {
			refused = true
			n := article.Notice{Channel: ops, Event: article.SocketRefused, Err: why}
			if err := l.deps.Store.Enqueue(context.WithoutCancel(ctx), n); err != nil {
				l.deps.Logger.Error("could not queue the notice", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.deps.RetryRefused): // a fixed token is picked up without a restart
		}
	}
	return nil
}

// finish waits for the actions in hand, up to the grace period.
func (l *Listener) finish() {
	done := make(chan struct{})
	go func() { l.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(l.grace):
		l.deps.Logger.Warn("actions still being handled at the end of the grace period")
	}
}

// connect runs one socketmode client until it gives up (a refused token)
// or ctx ends, draining its events all the while.
func (l *Listener) connect(ctx context.Context) error {
	client := socketmode.New(l.api)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(cctx) }()
	for {
		select {
		case err := <-done:
			if err == nil || errors.Is(err, context.Canceled) {
				err = errors.New("connection closed")
			}
			return err
		case evt := <-client.Events:
			l.event(ctx, client, evt)
		}
	}
}

// event handles one event: lifecycle events set the readiness; requests
// are acknowledged first (Slack waits 3 s), then handled on their own.
func (l *Listener) event(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	log := l.deps.Logger
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		log.Debug("connecting to Slack over Socket Mode")
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		l.connected.Store(true)
		if l.Problem() != "" {
			log.Info("listening to Slack over Socket Mode")
		}
		l.problem.Store("")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
		why := fmt.Sprint(evt.Data)
		l.problem.Store("slack socket mode: reconnecting: " + secret.Redact(why, l.secrets...))
		log.Warn("Socket Mode connection trouble; reconnecting", "err", secret.Redact(why, l.secrets...))
	case socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		if evt.Request == nil {
			return
		}
		if err := client.Ack(*evt.Request); err != nil {
			log.Error("could not acknowledge a Slack request", "err", err)
		}
		work := context.WithoutCancel(ctx) // a stop lets the action finish
		l.work.Go(func() {
			hctx, cancel := context.WithTimeout(work, l.grace)
			defer cancel()
			l.handle(hctx, evt)
		})
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			_ = client.Ack(*evt.Request) // no events are subscribed; acknowledged so Slack does not retry
		}
	}
}

// handle acts on one acknowledged request.
func (l *Listener) handle(ctx context.Context, evt socketmode.Event) {
	defer func() {
		if p := recover(); p != nil {
			l.deps.Logger.Error("panic while handling a Slack action", "panic", p)
		}
	}()
	switch data := evt.Data.(type) {
	case slack.InteractionCallback:
		if data.Type == slack.InteractionTypeBlockActions {
			l.click(ctx, data)
		}
	case slack.SlashCommand:
		l.command(ctx, data)
	}
}

// VerifyAppToken asks Slack whether the app-level token is good
// (apps.connections.open, which opens nothing by itself). refused says
// Slack said no; otherwise an error means Slack could not be asked.
func VerifyAppToken(ctx context.Context, cfg *config.Config) (refused bool, err error) {
	l := New(cfg, Deps{})
	if _, _, err = l.api.StartSocketModeContext(ctx); err == nil {
		return false, nil
	}
	var api slack.SlackErrorResponse
	refused = errors.As(err, &api) || isAuthError(err.Error())
	return refused, errors.New(secret.Redact(err.Error(), l.secrets...))
}

func isAuthError(msg string) bool {
	for _, e := range []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"} {
		if strings.Contains(msg, e) {
			return true
		}
	}
	return false
}
