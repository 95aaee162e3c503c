package slack

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedwatch/feedwatch/internal/article"
)

// The action ids of the buttons and menus on alerts: what a click
// arriving over Socket Mode says it was.
const (
	ActionMuteStory   = "fw_mute_story"   // menu: a duration; mutes the story in this channel
	ActionSnoozeRule  = "fw_snooze_rule"  // menu: "RULE DURATION"; snoozes the rule
	ActionNotRelevant = "fw_not_relevant" // button: the article should not have matched
	ActionUndo        = "fw_undo"         // buttons' prefix ("fw_undo:s12"); value "s12" ends silence 12, "f5" takes back verdict 5
)

// MuteFor and SnoozeFor are the durations the menus offer, as analysts in
// busy channels ask for them (Grafana OnCall, robusta: 1 h…1 w).
var (
	MuteFor   = []string{"24h", "7d"}
	SnoozeFor = []string{"1h", "8h", "24h", "7d"}
)

// ForLabel says a menu's duration as a reader would: "8 hours", "7 days".
func ForLabel(d string) string {
	n, _ := strconv.Atoi(strings.TrimRight(d, "hd"))
	if strings.HasSuffix(d, "d") {
		return fmt.Sprintf("%d %s", n, plural(n, "day", "days"))
	}
	return fmt.Sprintf("%d %s", n, plural(n, "hour", "hours"))
}

// RenderInteractive is Render with what analysts answer the bot with:
// on an alert or a reply, menus to mute its story and snooze its rules
// and a "Not relevant" button; on a digest or a flood summary, the menu
// to snooze its rules. marks, what was done on this message so far, are
// shown under it with a button to undo each that still holds. A notice
// gets no buttons.
func RenderInteractive(m article.Message, marks article.Marks, now time.Time) Message {
	msg := Render(m)
	var ids, names []string
	story := false
	switch m := m.(type) {
	case article.Reply:
		ids, names, story = m.RuleIDs, m.Rules, true
	case article.Alert:
		ids, names, story = m.RuleIDs, m.Rules, true
	case article.Digest:
		ids, names = m.RuleIDs, m.RuleNames()
	default:
		return msg
	}
	if lines := markLines(marks, now); lines != "" {
		msg.Blocks = append(msg.Blocks, context1(truncate(lines, MaxText/2)))
	}
	var elems []slack.BlockElement
	if story {
		elems = append(elems, menu(ActionMuteStory, "Mute story", MuteFor, func(d string) (string, string) { return "for " + ForLabel(d), d }))
	}
	elems = append(elems, snoozeMenu(ids, names))
	if story && !judged(marks) {
		elems = append(elems, slack.NewButtonBlockElement(ActionNotRelevant, "", slack.NewTextBlockObject(slack.PlainTextType, "Not relevant", false, false)))
	}
	elems = append(elems, undoButtons(marks, now)...)
	msg.Blocks = append(msg.Blocks, slack.NewActionBlock("fw_actions", elems...))
	return msg
}

// snoozeMenu offers each rule of the message for each of SnoozeFor; a
// message recorded before rule ids were kept offers its rules by name,
// and the click is read against the rules its article matched.
func snoozeMenu(ids, names []string) slack.BlockElement {
	type opt struct{ text, value string }
	var opts []opt
	for _, d := range SnoozeFor {
		if len(ids) <= 1 { // one rule: the menu says durations only
			id := ""
			if len(ids) == 1 {
				id = ids[0]
			}
			opts = append(opts, opt{"for " + ForLabel(d), id + " " + d})
			continue
		}
		for i, id := range ids {
			name := id
			if i < len(names) {
				name = names[i]
			}
			opts = append(opts, opt{truncate(name, 50) + " · " + ForLabel(d), id + " " + d})
		}
	}
	label := "Snooze rule"
	if len(ids) > 1 {
		label = "Snooze a rule"
	}
	els := make([]*slack.OptionBlockObject, 0, min(len(opts), 100))
	for _, o := range opts[:min(len(opts), 100)] {
		els = append(els, slack.NewOptionBlockObject(o.value, slack.NewTextBlockObject(slack.PlainTextType, o.text, false, false), nil))
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, slack.NewTextBlockObject(slack.PlainTextType, label, false, false), ActionSnoozeRule, els...)
}

func menu(action, label string, durations []string, opt func(string) (string, string)) slack.BlockElement {
	var els []*slack.OptionBlockObject
	for _, d := range durations {
		text, value := opt(d)
		els = append(els, slack.NewOptionBlockObject(value, slack.NewTextBlockObject(slack.PlainTextType, text, false, false), nil))
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, slack.NewTextBlockObject(slack.PlainTextType, label, false, false), action, els...)
}

// judged reports a "not relevant" verdict on the message that holds.
func judged(marks article.Marks) bool {
	for _, f := range marks.Feedback {
		if f.UndoneBy == "" {
			return true
		}
	}
	return false
}

// maxUndo is how many undo buttons a message shows (the newest).
const maxUndo = 5

func undoButtons(marks article.Marks, now time.Time) []slack.BlockElement {
	var out []slack.BlockElement
	for i := len(marks.Silences) - 1; i >= 0 && len(out) < maxUndo; i-- {
		if sl := marks.Silences[i]; sl.Active(now) || now.Before(sl.Starts) {
			out = append(out, slack.NewButtonBlockElement(fmt.Sprintf("%s:s%d", ActionUndo, sl.ID), fmt.Sprintf("s%d", sl.ID),
				slack.NewTextBlockObject(slack.PlainTextType, fmt.Sprintf("Undo %s #%d", silenceVerb(sl), sl.ID), false, false)))
		}
	}
	for _, f := range marks.Feedback {
		if f.UndoneBy == "" && len(out) < maxUndo {
			out = append(out, slack.NewButtonBlockElement(fmt.Sprintf("%s:f%d", ActionUndo, f.ID), fmt.Sprintf("f%d", f.ID),
				slack.NewTextBlockObject(slack.PlainTextType, truncate("Undo not relevant ("+f.Rule+")", 75), false, false)))
		}
	}
	return out
}

func silenceVerb(sl article.Silence) string {
	if sl.Story != 0 {
		return "mute"
	}
	return "snooze"
}

// markLines says, a line each, what was done on the message: who muted
// or snoozed what until when (or who ended it), who called it not
// relevant (or took it back).
func markLines(marks article.Marks, now time.Time) string {
	var lines []string
	for _, sl := range marks.Silences {
		what := "muted this story"
		if sl.Story == 0 {
			what = "snoozed " + escape(strings.TrimPrefix(sl.What(), "rule "))
		}
		line := fmt.Sprintf(":no_bell: %s %s until %s (silence #%d)", Who(sl.By), what, slackDate(sl.Ends), sl.ID)
		switch {
		case sl.ExpiredBy != "":
			line = fmt.Sprintf("~%s~ · ended early by %s", strings.TrimPrefix(line, ":no_bell: "), Who(sl.ExpiredBy))
		case !sl.Ends.After(now):
			line = fmt.Sprintf("~%s~ · over", strings.TrimPrefix(line, ":no_bell: "))
		}
		lines = append(lines, line)
	}
	for _, f := range marks.Feedback {
		line := fmt.Sprintf(":thumbsdown: %s marked this not relevant for %s", Who(f.User), escape(f.Rule))
		if f.UndoneBy != "" {
			line = fmt.Sprintf("~%s~ · taken back by %s", strings.TrimPrefix(line, ":thumbsdown: "), Who(f.UndoneBy))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

var slackUser = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// Who is how a person is named in a message: a Slack user ID as a
// mention (<@U…>), anyone else (the command line's $USER) as written.
func Who(by string) string {
	if slackUser.MatchString(by) {
		return "<@" + by + ">"
	}
	return escape(by)
}

// LinkOrText is a headline as mrkdwn: linked when the link is safe,
// escaped, without markup.
func LinkOrText(link, title string) string { return linkOrText(link, stripMarkup(headline(title))) }
