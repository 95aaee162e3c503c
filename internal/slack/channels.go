package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// ChannelCheck is what Slack says of one channel alerts go to.
type ChannelCheck struct {
	Channel string
	OK      bool
	Note    string // why it is fine, or what to do
	// Not checked: Scope names the scopes the token lacks to tell
	// (channels:read, groups:read, which posting does not need);
	// Unreachable says Slack could not be asked.
	Scope       string
	Unreachable error
}

// CheckChannel tells whether the bot can post to channel ("#name" or an
// id): it exists, is not archived, and the bot is in it or (a public
// one) may post there with chat:write.public. Telling needs the
// channels:read and groups:read scopes; without them the channel is not
// checked, which is not a failure.
func (b *Bot) CheckChannel(ctx context.Context, channel string) ChannelCheck {
	c := ChannelCheck{Channel: channel}
	ch, err := b.findChannel(ctx, channel)
	var api slack.SlackErrorResponse
	switch {
	case errors.As(err, &api) && api.Err == "missing_scope":
		c.Scope = "channels:read and groups:read"
	case err != nil && classify(err, b.token).Final:
		c.Note = classify(err, b.token).Reason
	case err != nil:
		c.Unreachable = classify(err, b.token)
	case ch == nil:
		c.Note = "no such channel the bot can see"
	case ch.IsArchived:
		c.Note = "the channel is archived"
	case !ch.IsMember && ch.IsPrivate:
		c.Note = "the bot is not in this private channel: invite it (/invite @your-bot)"
	case !ch.IsMember:
		c.OK, c.Note = true, "the bot is not in it, and posts there with chat:write.public (without that scope, /invite it)"
	default:
		c.OK = true
	}
	return c
}

func (b *Bot) findChannel(ctx context.Context, channel string) (*slack.Channel, error) {
	if !strings.HasPrefix(channel, "#") {
		ch, err := b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		if err != nil {
			return nil, err
		}
		return ch, nil
	}
	name := strings.TrimPrefix(channel, "#")
	params := &slack.GetConversationsParameters{ExcludeArchived: false, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
	for page := 0; page < 100; page++ {
		chans, next, err := b.api.GetConversationsContext(ctx, params)
		if err != nil {
			return nil, err
		}
		for i := range chans {
			if chans[i].Name == name {
				return &chans[i], nil
			}
		}
		if next == "" {
			return nil, nil
		}
		params.Cursor = next
	}
	return nil, nil
}

// String is the check as check --slack prints it.
func (c ChannelCheck) String() string {
	switch {
	case c.OK && c.Note != "":
		return fmt.Sprintf("channel %s: ok: %s", c.Channel, c.Note)
	case c.OK:
		return fmt.Sprintf("channel %s: ok", c.Channel)
	}
	return fmt.Sprintf("channel %s: %s", c.Channel, c.Note)
}
