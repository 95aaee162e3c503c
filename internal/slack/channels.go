package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// CheckChannel tells whether the bot can post to channel ("#name" or an
// id): it exists, is not archived, and the bot is in it. It needs the
// channels:read (and groups:read, for private channels) scopes.
func (b *Bot) CheckChannel(ctx context.Context, channel string) error {
	ch, err := b.findChannel(ctx, channel)
	if err != nil {
		return err
	}
	switch {
	case ch == nil:
		return fmt.Errorf("%s: no such channel the bot can see", channel)
	case ch.IsArchived:
		return fmt.Errorf("%s: the channel is archived", channel)
	case !ch.IsMember:
		return fmt.Errorf("%s: the bot is not in the channel: invite it (/invite @your-bot)", channel)
	}
	return nil
}

func (b *Bot) findChannel(ctx context.Context, channel string) (*slack.Channel, error) {
	if !strings.HasPrefix(channel, "#") {
		ch, err := b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		if err != nil {
			return nil, classify(err, b.token)
		}
		return ch, nil
	}
	name := strings.TrimPrefix(channel, "#")
	params := &slack.GetConversationsParameters{ExcludeArchived: false, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
	for page := 0; page < 100; page++ {
		chans, next, err := b.api.GetConversationsContext(ctx, params)
		if err != nil {
			return nil, classify(err, b.token)
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
