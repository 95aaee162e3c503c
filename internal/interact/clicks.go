package interact

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	fwslack "github.com/feedwatch/feedwatch/internal/slack"
)

// click acts on a button or menu of a posted message: it finds the
// message, checks the user may act, records the action with its effect,
// and updates the message in place with who did what until when.
func (l *Listener) click(ctx context.Context, cb slack.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	channel, ts, user := cb.Channel.ID, cb.Container.MessageTs, cb.User.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	value := act.Value
	if act.SelectedOption.Value != "" {
		value = act.SelectedOption.Value
	}
	a := article.Action{Key: "click:" + channel + ":" + ts + ":" + act.ActionTs + ":" + user + ":" + act.ActionID, User: user}
	posted, err := l.posted(ctx, ts)
	if err != nil {
		l.say(ctx, channel, user, "feedwatch cannot find this message in its records ("+err.Error()+"): nothing was changed.")
		return
	}
	a.Kind, a.Target = kindOf(act.ActionID), fmt.Sprintf("message %d in %s", posted.Delivery.ID, channel)
	if ok, why := l.auth.mayClick(ctx, user, channel); !ok {
		a.Outcome = "refused: " + why
		l.record(ctx, a, article.Effect{})
		l.say(ctx, channel, user, "You are not allowed to act on feedwatch alerts here ("+why+"). Nothing was changed.")
		return
	}
	a.Allowed = true
	effect, err := l.effect(act.ActionID, value, user, posted)
	if err != nil {
		a.Outcome = err.Error()
		l.record(ctx, a, article.Effect{})
		l.say(ctx, channel, user, err.Error())
		return
	}
	if _, fresh := l.record(ctx, a, effect); !fresh {
		return // Slack delivered this click before: it acted then
	}
	for _, f := range effect.Feedback {
		l.count(f.Rule, f.Verdict)
	}
	l.redraw(ctx, channel, ts, posted)
}

// posted finds the message clicked on. A message Slack has just accepted
// may not be recorded as sent yet: it is asked again for a moment.
func (l *Listener) posted(ctx context.Context, ts string) (article.Posted, error) {
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		p, err := l.deps.Store.Posted(ctx, ts)
		if !errors.Is(err, article.ErrNotPosted) || wait > 2*time.Second {
			return p, err
		}
		select {
		case <-ctx.Done():
			return p, err
		case <-time.After(wait):
		}
	}
}

func kindOf(actionID string) article.ActionKind {
	switch {
	case actionID == fwslack.ActionMuteStory:
		return article.MuteStory
	case actionID == fwslack.ActionSnoozeRule:
		return article.SnoozeRule
	case actionID == fwslack.ActionNotRelevant:
		return article.NotRelevant
	case strings.HasPrefix(actionID, fwslack.ActionUndo):
		return article.Undo
	}
	return article.ActionKind("unknown " + actionID) // recorded as it came
}

// effect is what a click changes; an error says, for the user, why it
// changes nothing (a rule deleted since, an unknown button).
func (l *Listener) effect(actionID, value, user string, p article.Posted) (article.Effect, error) {
	now := l.deps.Now()
	ids := ruleIDs(p)
	switch {
	case actionID == fwslack.ActionMuteStory:
		d, err := config.ParseDuration(value)
		if err != nil || d <= 0 {
			return article.Effect{}, fmt.Errorf("%q is not a duration to mute for", value)
		}
		sl := article.Silence{Story: p.Head, Origin: p.Delivery.ID, Starts: now, Ends: now.Add(d), By: user, Reason: "muted from Slack"}
		return article.Effect{Silences: []article.Silence{sl}}, nil
	case actionID == fwslack.ActionSnoozeRule:
		return l.snooze(value, user, p, now)
	case actionID == fwslack.ActionNotRelevant:
		var e article.Effect
		for _, id := range ids {
			e.Feedback = append(e.Feedback, article.Feedback{ArticleID: p.ArticleID, Rule: id, Delivery: p.Delivery.ID, Verdict: article.VerdictNotRelevant})
		}
		if p.ArticleID == 0 || len(e.Feedback) == 0 {
			return e, errors.New("this message is not about one article: there is nothing to call not relevant")
		}
		return e, nil
	case strings.HasPrefix(actionID, fwslack.ActionUndo) && len(value) > 1:
		id, err := strconv.ParseInt(value[1:], 10, 64)
		switch {
		case err != nil:
		case value[0] == 's':
			return article.Effect{Expire: []int64{id}}, nil
		case value[0] == 'f':
			return article.Effect{Retract: []int64{id}}, nil
		}
	}
	return article.Effect{}, fmt.Errorf("feedwatch does not know the button %q: nothing was changed", actionID)
}

// snooze silences the rule the menu names (value "RULE DURATION"; a
// message recorded before rule ids were kept names none: all its rules).
func (l *Listener) snooze(value, user string, p article.Posted, now time.Time) (article.Effect, error) {
	rule, dur, _ := strings.Cut(value, " ")
	d, err := config.ParseDuration(dur)
	if err != nil || d <= 0 {
		return article.Effect{}, fmt.Errorf("%q is not a duration to snooze for", dur)
	}
	targets := []string{rule}
	if rule == "" {
		targets = ruleIDs(p)
	}
	var e article.Effect
	var gone []string
	for _, id := range targets {
		if l.rule(id) == nil {
			gone = append(gone, id)
			continue
		}
		e.Silences = append(e.Silences, article.Silence{Rule: id, Origin: p.Delivery.ID, Starts: now, Ends: now.Add(d), By: user, Reason: "snoozed from Slack"})
	}
	if len(e.Silences) == 0 {
		return e, fmt.Errorf("the rule %s no longer exists (its file was removed or renamed since this alert was posted): there is nothing to snooze", strings.Join(gone, ", "))
	}
	return e, nil
}

// ruleIDs are the rules a posted message is about: those it names, else
// (recorded before rule ids were kept) those its article matched.
func ruleIDs(p article.Posted) []string {
	switch m := p.Delivery.Message.(type) {
	case article.Alert:
		if len(m.RuleIDs) > 0 {
			return m.RuleIDs
		}
	case article.Digest:
		return m.RuleIDs
	}
	return p.Rules
}

// record records an action; false when Slack had delivered it before.
func (l *Listener) record(ctx context.Context, a article.Action, e article.Effect) (article.Action, bool) {
	got, fresh, err := l.deps.Store.Act(ctx, a, e)
	if err != nil {
		l.deps.Logger.Error("could not record an action from Slack", "user", a.User, "action", a.Kind, "err", err)
		return got, false
	}
	l.deps.Logger.Info("action from Slack", "user", a.User, "action", a.Kind, "target", a.Target, "allowed", a.Allowed, "outcome", got.Outcome, "repeat", !fresh)
	return got, fresh
}

func (l *Listener) count(rule, verdict string) {
	if l.deps.Verdict != nil {
		l.deps.Verdict(rule, verdict)
	}
}

// redraw updates the posted message in place: as it was posted, with
// what was done on it so far and the buttons to undo it.
func (l *Listener) redraw(ctx context.Context, channel, ts string, p article.Posted) {
	marks, err := l.deps.Store.Marks(ctx, p.Delivery.ID)
	if err != nil {
		l.deps.Logger.Error("could not read what was done on a message", "err", err)
		return
	}
	m := p.Delivery.Message
	if a, ok := m.(article.Alert); ok && p.Delivery.ThreadTS != "" {
		m = article.Reply{Alert: a, ThreadTS: p.Delivery.ThreadTS}
	}
	msg := fwslack.RenderInteractive(m, marks, l.deps.Now())
	_, _, _, err = l.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	if err != nil {
		l.deps.Logger.Error("could not update the message in Slack", "channel", channel, "err", err)
	}
}

// say answers one user only (chat.postEphemeral).
func (l *Listener) say(ctx context.Context, channel, user, text string) {
	if _, err := l.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
		l.deps.Logger.Warn("could not answer a user in Slack", "channel", channel, "err", err)
	}
}
