package interact

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// The access rule. With slack.interact.allow, the users it lists and the
// members of the user groups it lists may act, anywhere. Without it, a
// click is allowed for a member of the channel the message is in, and a
// /feedwatch command that changes something for a member of the channel
// it is typed in when feedwatch posts there (slack.channel, ops_channel
// or a rule's channel): channel membership is the access list, so keep
// alert channels private when that matters. Questions (status,
// silences, test) are answered to anyone who can type the command.
// Answers from Slack are kept for membersTTL.

// membersTTL is how long a channel's or a group's members are trusted.
const membersTTL = 5 * time.Minute

type authorizer struct {
	api   *slack.Client
	allow func() []string // slack.interact.allow, as reloaded
	now   func() time.Time
	mu    sync.Mutex
	known map[string]members // "C…" or "S…" → members
}

type members struct {
	ids []string
	at  time.Time
}

func newAuthorizer(api *slack.Client, allow func() []string, now func() time.Time) *authorizer {
	return &authorizer{api: api, allow: allow, now: now, known: map[string]members{}}
}

// mayClick says whether user may act on a message in channel, and if not
// why (for the user and the audit).
func (a *authorizer) mayClick(ctx context.Context, user, channel string) (bool, string) {
	if allow := a.allow(); len(allow) > 0 {
		return a.listed(ctx, user, allow)
	}
	return a.member(ctx, user, channel)
}

// mayChange says whether user may change something with a command typed
// in channel (named name); posted is whether feedwatch posts there.
func (a *authorizer) mayChange(ctx context.Context, user, channel string, posted bool) (bool, string) {
	if allow := a.allow(); len(allow) > 0 {
		return a.listed(ctx, user, allow)
	}
	if !posted {
		return false, "type it in a channel feedwatch posts alerts to"
	}
	return a.member(ctx, user, channel)
}

// listed checks slack.interact.allow: the user, or a group they are in.
func (a *authorizer) listed(ctx context.Context, user string, allow []string) (bool, string) {
	if slices.Contains(allow, user) {
		return true, ""
	}
	for _, id := range allow {
		if !strings.HasPrefix(id, "S") {
			continue
		}
		ids, err := a.members(ctx, id, func() ([]string, error) { return a.api.GetUserGroupMembersContext(ctx, id) }, false)
		if err != nil {
			return false, "cannot read the user group " + id + ": " + err.Error()
		}
		if slices.Contains(ids, user) {
			return true, ""
		}
	}
	return false, "you are not in slack.interact.allow"
}

// member checks that user is in channel.
func (a *authorizer) member(ctx context.Context, user, channel string) (bool, string) {
	read := func() ([]string, error) {
		var all []string
		p := &slack.GetUsersInConversationParameters{ChannelID: channel, Limit: 1000}
		for {
			page, next, err := a.api.GetUsersInConversationContext(ctx, p)
			if err != nil {
				return nil, err
			}
			all = append(all, page...)
			if next == "" {
				return all, nil
			}
			p.Cursor = next
		}
	}
	ids, err := a.members(ctx, channel, read, false)
	if err == nil && !slices.Contains(ids, user) {
		ids, err = a.members(ctx, channel, read, true) // joined since the list was read?
	}
	if err != nil {
		return false, "cannot read the channel's members: " + err.Error()
	}
	if !slices.Contains(ids, user) {
		return false, "only members of this channel may"
	}
	return true, ""
}

// members returns the cached members of a channel or group, reading
// them with read when unknown, older than membersTTL, or asked to
// (fresh: a refusal is never made on an old list, so who just joined may
// act at once; a removed member may act until the list is read again).
func (a *authorizer) members(ctx context.Context, id string, read func() ([]string, error), fresh bool) ([]string, error) {
	a.mu.Lock()
	m, ok := a.known[id]
	a.mu.Unlock()
	if ok && !fresh && a.now().Sub(m.at) < membersTTL {
		return m.ids, nil
	}
	ids, err := read()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.known[id] = members{ids, a.now()}
	a.mu.Unlock()
	return ids, nil
}
