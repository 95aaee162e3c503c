package fakeslack

import (
	"fmt"
	"sync/atomic"
)

var clicks atomic.Int64

// Click is the payload of a block_actions envelope: user clicked the
// button actionID (value) on the message ts in channel — or chose value
// in the menu actionID when menu is set. Each Click has its own
// action_ts, as each real click does; send the same payload twice to
// stand for Slack delivering one click twice.
func (s *Server) Click(user, channel, ts, actionID, value string, menu bool) map[string]any {
	act := map[string]any{"action_id": actionID, "block_id": "fw_actions", "type": "button", "value": value,
		"action_ts": fmt.Sprintf("1700000100.%06d", clicks.Add(1))}
	if menu {
		act = map[string]any{"action_id": actionID, "block_id": "fw_actions", "type": "static_select",
			"selected_option": map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}},
			"action_ts":       act["action_ts"]}
	}
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": user},
		"channel":      map[string]any{"id": channel},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"message":      map[string]any{"ts": ts, "type": "message"},
		"actions":      []any{act},
		"response_url": s.ResponseURL(),
		"trigger_id":   fmt.Sprintf("trigger.%d", clicks.Load()),
	}
}

// Command is the payload of a slash_commands envelope: user typed
// "/feedwatch text" in channel (id and name).
func (s *Server) Command(user, channel, name, text string) map[string]any {
	return map[string]any{
		"command": "/feedwatch", "text": text, "user_id": user, "channel_id": channel, "channel_name": name,
		"response_url": s.ResponseURL(), "trigger_id": fmt.Sprintf("trigger.c%d", clicks.Add(1)),
	}
}
