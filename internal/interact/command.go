package interact

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
	fwslack "github.com/feedwatch/feedwatch/internal/slack"
)

// Usage is /feedwatch's help, answered to "help" and to anything it does
// not know.
const Usage = "*/feedwatch* — answered to you only:\n" +
	"• `status` — feeds failing, rules in force, silences, each rule's precision from your feedback\n" +
	"• `mute RULE DURATION` — hold a rule's alerts (`mute is-leadership 8h`; 30m, 8h, 7d…)\n" +
	"• `unmute RULE` or `unmute ID` — end a rule's silences, or one silence\n" +
	"• `silences` — the silences in force\n" +
	"• `test QUERY` — how many of the last 7 days' articles a query matches, with the newest three"

// MaxAnswer is how many characters a /feedwatch answer shows: Slack cuts
// a message's text at 40,000 and readers give up far sooner.
const MaxAnswer = 3500

// TestWindow is how far back /feedwatch test looks.
const TestWindow = 7 * 24 * time.Hour

// command answers /feedwatch, privately, through the command's response
// URL; a command Slack delivers twice is answered once.
func (l *Listener) command(ctx context.Context, cmd slack.SlashCommand) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	rest = strings.TrimSpace(rest)
	a := article.Action{Key: "command:" + cmd.TriggerID, User: cmd.UserID, Kind: article.Ask, Target: strings.TrimSpace(cmd.Command + " " + cmd.Text), Allowed: true}
	var answer string
	var effect article.Effect
	switch strings.ToLower(sub) {
	case "status":
		answer = l.status(ctx)
	case "silences":
		answer = l.silenceList(ctx)
	case "test":
		answer = l.test(ctx, rest)
	case "mute", "unmute":
		a.Kind = article.SnoozeRule
		if sub == "unmute" {
			a.Kind = article.Unmute
		}
		if ok, why := l.auth.mayChange(ctx, cmd.UserID, cmd.ChannelID, l.postsTo(cmd.ChannelID, cmd.ChannelName)); !ok {
			a.Allowed, a.Outcome, answer = false, "refused: "+why, "You are not allowed to change feedwatch's silences ("+why+"). Nothing was changed."
			break
		}
		effect, answer = l.change(ctx, a.Kind, rest, cmd.UserID)
		if len(effect.Silences)+len(effect.Expire) == 0 {
			a.Outcome = answer
		}
	default:
		answer = Usage
	}
	if _, fresh := l.record(ctx, a, effect); !fresh {
		return
	}
	if r := []rune(answer); len(r) > MaxAnswer { // a workspace with thousands of rules
		answer = string(r[:MaxAnswer]) + "\n… (cut here: `feedwatch status` and `feedwatch feedback` have it all)"
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, cmd.ResponseURL, l.deps.Client, &slack.WebhookMessage{ResponseType: "ephemeral", Text: answer}); err != nil {
		l.deps.Logger.Warn("could not answer /feedwatch", "err", err)
	}
}

// postsTo reports whether feedwatch posts to the channel (by id or name).
func (l *Listener) postsTo(id, name string) bool {
	cfg := l.cfg.Load()
	chans := []string{cfg.Slack.Channel, cfg.Slack.OpsChannel}
	for _, r := range l.deps.Rules().Rules {
		chans = append(chans, r.Channel)
	}
	for _, c := range chans {
		if c != "" && (c == id || c == "#"+name) {
			return true
		}
	}
	return false
}

// rule is the rule in force with this id, or nil.
func (l *Listener) rule(id string) *rules.Rule {
	for _, r := range l.deps.Rules().Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// change is mute or unmute's effect, and the answer; with no effect the
// answer says why.
func (l *Listener) change(ctx context.Context, kind article.ActionKind, args, user string) (article.Effect, string) {
	f := strings.Fields(args)
	now := l.deps.Now()
	if kind == article.SnoozeRule {
		if len(f) != 2 {
			return article.Effect{}, "Say which rule and for how long: `/feedwatch mute is-leadership 8h`."
		}
		if l.rule(f[0]) == nil {
			return article.Effect{}, l.noRule(f[0])
		}
		d, err := config.ParseDuration(f[1])
		if err != nil || d <= 0 {
			return article.Effect{}, fmt.Sprintf("%q is not a duration: say 30m, 8h or 7d.", f[1])
		}
		sl := article.Silence{Rule: f[0], Starts: now, Ends: now.Add(d), By: user, Reason: "muted with /feedwatch"}
		return article.Effect{Silences: []article.Silence{sl}}, fmt.Sprintf("Rule %s is muted for %s, until %s. `/feedwatch unmute %s` ends it.", f[0], d, fwslack.UTC(sl.Ends), f[0])
	}
	if len(f) != 1 {
		return article.Effect{}, "Say which rule or silence: `/feedwatch unmute is-leadership` or `/feedwatch unmute 12`."
	}
	active, err := l.deps.Store.Silences(ctx, false)
	if err != nil {
		return article.Effect{}, "feedwatch cannot read its silences now: " + err.Error()
	}
	var e article.Effect
	id, isID := strconv.ParseInt(strings.TrimPrefix(f[0], "#"), 10, 64)
	for _, sl := range active {
		if isID == nil && sl.ID == id || isID != nil && sl.Rule == f[0] && sl.Story == 0 {
			e.Expire = append(e.Expire, sl.ID)
		}
	}
	if len(e.Expire) == 0 {
		return e, fmt.Sprintf("No silence in force matches %q (`/feedwatch silences` lists them).", f[0])
	}
	return e, fmt.Sprintf("Ended %d %s: %s. Their alerts post again.", len(e.Expire), plural(len(e.Expire), "silence", "silences"), ids(e.Expire))
}

func (l *Listener) noRule(id string) string {
	var known []string
	for _, r := range l.deps.Rules().Rules {
		known = append(known, r.ID)
	}
	msg := fmt.Sprintf("There is no rule %q.", id)
	if near := diag.Nearest(id, known); near != "" {
		msg += fmt.Sprintf(" Did you mean %q?", near)
	}
	return msg
}

// status is what /feedwatch status answers.
func (l *Listener) status(ctx context.Context) string {
	set := l.deps.Rules()
	var b strings.Builder
	fmt.Fprintf(&b, "*Rules in force* (%d): %s\n", len(set.Rules), set.Summary())
	if failing := l.deps.Failing(); len(failing) > 0 {
		fmt.Fprintf(&b, "*Feeds failing* (%d): %s\n", len(failing), strings.Join(failing, "; "))
	} else {
		b.WriteString("*Feeds*: none failing\n")
	}
	b.WriteString(l.silenceList(ctx) + "\n")
	prec, err := l.deps.Store.Precision(ctx, l.deps.Now())
	if err != nil {
		return b.String() + "Precision cannot be read now: " + err.Error()
	}
	b.WriteString("*Precision from feedback* (30 days):")
	for _, r := range set.Rules {
		p, ok := prec[r.ID]
		if !ok {
			p = article.Precision{Rule: r.ID, Estimate: -1}
		}
		fmt.Fprintf(&b, "\n• %s: %s", r.ID, p)
	}
	return b.String()
}

func (l *Listener) silenceList(ctx context.Context) string {
	sls, err := l.deps.Store.Silences(ctx, false)
	if err != nil {
		return "Silences cannot be read now: " + err.Error()
	}
	if len(sls) == 0 {
		return "*Silences*: none in force"
	}
	lines := []string{fmt.Sprintf("*Silences* (%d):", len(sls))}
	for _, sl := range sls {
		line := fmt.Sprintf("• #%d %s until %s, by %s", sl.ID, sl.What(), fwslack.UTC(sl.Ends), fwslack.Who(sl.By))
		if sl.Reason != "" {
			line += ": " + sl.Reason
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// test is /feedwatch test QUERY: how many of the stored articles of the
// last TestWindow the query matches, with the three newest.
func (l *Listener) test(ctx context.Context, query string) string {
	if query == "" {
		return "Say a query, as written in a rule: `/feedwatch test \"Abu Khadija\" AND killed`."
	}
	r, err := l.deps.Rules().QueryRule(query)
	if err != nil {
		return fmt.Sprintf("The query is not valid: %v", err)
	}
	arts, err := l.deps.Store.Articles(ctx, l.deps.Now().Add(-TestWindow))
	if err != nil {
		return "Stored articles cannot be read now: " + err.Error()
	}
	var hits []article.Stored
	for _, a := range arts {
		if ok, _ := r.Explain(rules.NewDocument(&a.Article)); ok {
			hits = append(hits, a)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return when(hits[i]).After(when(hits[j])) })
	out := fmt.Sprintf("`%s` matches %d of the %d articles stored in the last 7 days.", query, len(hits), len(arts))
	for _, h := range hits[:min(3, len(hits))] {
		out += fmt.Sprintf("\n• %s — %s, %s", fwslack.LinkOrText(h.Link, h.Title), h.Feed, fwslack.UTC(when(h)))
	}
	return out
}

func when(a article.Stored) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.FirstSeen
}

func ids(xs []int64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = "#" + strconv.FormatInt(x, 10)
	}
	return strings.Join(s, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
