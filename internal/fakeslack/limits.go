package fakeslack

import (
	"encoding/json"
	"fmt"
)

// BlockLimits checks blocks against Slack's documented limits (Block Kit
// reference): at most 50 blocks, a section's text at most 3,000
// characters, a header's 150, a context at most 10 elements. It says
// which was broken, or "".
func BlockLimits(raw string) string {
	if raw == "" {
		return ""
	}
	var blocks []struct {
		Type     string                 `json:"type"`
		Text     *struct{ Text string } `json:"text"`
		Elements []json.RawMessage      `json:"elements"`
		BlockID  string                 `json:"block_id"`
	}
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "blocks are not a JSON array of blocks"
	}
	if len(blocks) > 50 {
		return fmt.Sprintf("%d blocks (at most 50)", len(blocks))
	}
	for i, b := range blocks {
		n := 0
		if b.Text != nil {
			n = len([]rune(b.Text.Text))
		}
		switch {
		case b.Type == "section" && n > 3000:
			return fmt.Sprintf("block %d: section text of %d characters (at most 3000)", i, n)
		case b.Type == "header" && n > 150:
			return fmt.Sprintf("block %d: header of %d characters (at most 150)", i, n)
		case b.Type == "context" && len(b.Elements) > 10:
			return fmt.Sprintf("block %d: context of %d elements (at most 10)", i, len(b.Elements))
		case b.Type == "actions":
			if why := actionLimits(b.Elements); why != "" {
				return fmt.Sprintf("block %d: %s", i, why)
			}
		}
		if len(b.BlockID) > 255 {
			return fmt.Sprintf("block %d: block_id of %d characters (at most 255)", i, len(b.BlockID))
		}
	}
	return ""
}

// actionLimits checks an actions block's elements against Block Kit's
// limits: at most 25 elements; a button's text at most 75 characters and
// its value 2,000; a static menu at most 100 options, each with text of at
// most 75 and a value of at most 150; action ids at most 255, unique.
func actionLimits(elems []json.RawMessage) string {
	if len(elems) > 25 {
		return fmt.Sprintf("actions of %d elements (at most 25)", len(elems))
	}
	seen := map[string]bool{}
	for k, raw := range elems {
		var e struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Text     struct{ Text string }
			Value    string `json:"value"`
			Options  []struct {
				Text  struct{ Text string }
				Value string `json:"value"`
			} `json:"options"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Sprintf("element %d is not an object", k)
		}
		if e.ActionID == "" || len(e.ActionID) > 255 || seen[e.ActionID] {
			return fmt.Sprintf("element %d: action_id %q missing, too long or repeated", k, e.ActionID)
		}
		seen[e.ActionID] = true
		switch e.Type {
		case "button":
			if n := len([]rune(e.Text.Text)); n == 0 || n > 75 || len(e.Value) > 2000 {
				return fmt.Sprintf("element %d: button text of %d characters (1–75) or value too long", k, n)
			}
		case "static_select":
			if len(e.Options) == 0 || len(e.Options) > 100 {
				return fmt.Sprintf("element %d: %d options (1–100)", k, len(e.Options))
			}
			for _, o := range e.Options {
				if n := len([]rune(o.Text.Text)); n == 0 || n > 75 || len(o.Value) > 150 {
					return fmt.Sprintf("element %d: option %q: text 1–75 characters, value at most 150", k, o.Text.Text)
				}
			}
		default:
			return fmt.Sprintf("element %d: unexpected type %q", k, e.Type)
		}
	}
	return ""
}
