package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/slack"
	"go.yaml.in/yaml/v3"
)

// The people and channel of the fake workspace.
const (
	analyst  = "UANALYST1"
	outsider = "UOUTSIDE1"
	alertsID = "CALERTS01" // #news-alerts
)

// interactive writes the demo's configuration for a bot token, an app
// token and the fake Slack, with the demo feed polled every second.
func interactive(t *testing.T, fake *fakeslack.Server, extra ...string) string {
	t.Helper()
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	text := strings.Replace(string(body), "    url: file:demo-feed.xml", "    url: file:demo-feed.xml\n    schedule: \"@every 1s\"", 1)
	text += "\nslack:\n  token: xoxb-test\n  app_token: " + fakeslack.AppToken + "\n  api_url: " + fake.URL + "/\n  channel: \"#news-alerts\"\n  ops_channel: \"#ops\"\n"
	text += strings.Join(extra, "\n")
	os.WriteFile(cfg, []byte(text), 0o644)
	fake.SetMembers(alertsID, analyst)
	return cfg
}

// alertTS waits for the first alert posted to #news-alerts and returns
// its ts, failing if its buttons broke a Block Kit limit.
func alertTS(t *testing.T, fake *fakeslack.Server) fakeslack.Post {
	t.Helper()
	var got fakeslack.Post
	waitFor(t, "the alert", func() bool {
		for _, p := range fake.Posts() {
			if p.Refused != "" {
				t.Fatalf("the alert's blocks were refused: %s\n%s", p.Refused, p.Blocks)
			}
			if p.Channel == "#news-alerts" && p.TS != "" && strings.Contains(p.Text, "Abu Khadija") {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// updateText is what the n-th reply (chat.update, ephemeral, response)
// says, failing unless it came by path.
func reply(t *testing.T, fake *fakeslack.Server, n int, path string) fakeslack.Post {
	t.Helper()
	r := fake.WaitReplies(t, n)[n-1]
	if !strings.HasPrefix(r.Path, path) || r.Refused != "" {
		t.Fatalf("reply %d: %s (refused: %q), want %s:\n%s%s", n, r.Path, r.Refused, path, r.Text, r.BlockText())
	}
	return r
}

// TestAnalystsAnswerTheBotFromSlack follows the README's Slack section
// against the Socket Mode stand-in, through feedwatch run: the alert
// carries its buttons; a snooze is acknowledged at once, recorded as a
// silence with who set it and shown on the message with an undo button;
// the same click delivered twice acts once; a non-member changes
// nothing and is told so; "not relevant" becomes the rule's precision;
// undo ends the silence; /feedwatch answers privately; after Slack asks
// for a refresh the daemon reconnects and still acts.
func TestAnalystsAnswerTheBotFromSlack(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	addr := freeAddr(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), `server: {listen: ""}`, "server: {listen: \""+addr+"\"}", 1)), 0o644)
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg); code != exitOK || !strings.Contains(out, "slack.app_token: ok (apps.connections.open)") || !strings.Contains(out, "with buttons and /feedwatch") {
		t.Errorf("check with both tokens: exit %d\n%s", code, out)
	}
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	alert := alertTS(t, fake)
	for _, id := range []string{slack.ActionMuteStory, slack.ActionSnoozeRule, slack.ActionNotRelevant} {
		if !strings.Contains(alert.Blocks, `"action_id":"`+id+`"`) {
			t.Errorf("the alert has no %s:\n%s", id, alert.Blocks)
		}
	}

	snooze := fake.Click(analyst, alertsID, alert.TS, slack.ActionSnoozeRule, "is-leadership 8h", true)
	fake.Send(t, "e1", "interactive", snooze)
	fake.Send(t, "e1-again", "interactive", snooze) // Slack delivering the click a second time
	for _, id := range []string{"e1", "e1-again"} {
		if ack := fake.WaitAck(t, id); ack.After > 3*time.Second {
			t.Errorf("%s acknowledged after %s (Slack waits 3 s)", id, ack.After)
		}
	}
	up := reply(t, fake, 1, "/chat.update")
	if up.TS != alert.TS || !strings.Contains(up.BlockText(), "<@"+analyst+"> snoozed is-leadership until") || !strings.Contains(up.Blocks, `"action_id":"fw_undo:s1"`) {
		t.Errorf("the message should say who snoozed what until when, with an undo:\n%s\n%s", up.BlockText(), up.Blocks)
	}

	fake.Send(t, "e2", "interactive", fake.Click(outsider, alertsID, alert.TS, slack.ActionNotRelevant, "", false))
	eph := reply(t, fake, 2, "/chat.postEphemeral")
	if !strings.Contains(eph.Text, "not allowed") || eph.ThreadTS != outsider {
		t.Errorf("the outsider should be told privately: %+v", eph)
	}
	time.Sleep(300 * time.Millisecond) // room for a second effect of e1-again, if it had one
	if n := len(fake.Replies()); n != 2 {
		t.Errorf("%d replies, want 2: the repeated click acted twice?", n)
	}
	_, js, _ := runCmd(t, context.Background(), "silence", "list", "-o", "json", "--config", cfg)
	var sls []struct {
		Rule string
		By   string `json:"created_by"`
	}
	if err := json.Unmarshal([]byte(js), &sls); err != nil || len(sls) != 1 || sls[0].Rule != "is-leadership" || sls[0].By != analyst {
		t.Fatalf("one silence should be in force (%v):\n%s", err, js)
	}

	fake.Send(t, "e3", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionNotRelevant, "", false))
	up = reply(t, fake, 3, "/chat.update")
	if !strings.Contains(up.BlockText(), "<@"+analyst+"> marked this not relevant for is-leadership") {
		t.Errorf("the verdict should be shown on the message:\n%s", up.BlockText())
	}
	fake.Send(t, "e4", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionUndo+":s1", "s1", false))
	up = reply(t, fake, 4, "/chat.update")
	if !strings.Contains(up.BlockText(), "ended early by <@"+analyst+">") || strings.Contains(up.Blocks, "fw_undo:s1") {
		t.Errorf("undo should end the snooze and say so:\n%s", up.BlockText())
	}

	fake.Send(t, "c1", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", "status"))
	st := reply(t, fake, 5, "/resp/")
	if !strings.Contains(st.Text, "*Rules in force* (2)") || !strings.Contains(st.Text, "is-leadership: 0.00 (1 of 1 not relevant)") {
		t.Errorf("/feedwatch status:\n%s", st.Text)
	}
	fake.Send(t, "c2", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", "mute is-leadrship 8h"))
	if m := reply(t, fake, 6, "/resp/"); !strings.Contains(m.Text, `Did you mean "is-leadership"?`) {
		t.Errorf("/feedwatch mute with a typo:\n%s", m.Text)
	}
	fake.Send(t, "c3", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", `test "Abu Khadija"`))
	if m := reply(t, fake, 7, "/resp/"); !strings.Contains(m.Text, "matches 1 of the 3 articles stored in the last 7 days") {
		t.Errorf("/feedwatch test:\n%s", m.Text)
	}

	fake.Disconnect(t, "refresh_requested")
	fake.WaitConnected(t, 2)
	fake.Send(t, "c4", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", "mute coalition-anbar 1h"))
	if m := reply(t, fake, 8, "/resp/"); !strings.Contains(m.Text, "Rule coalition-anbar is muted for 1h0m0s") {
		t.Errorf("/feedwatch mute after a refresh:\n%s", m.Text)
	}
	metrics := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{`feedwatch_rule_feedback_total{rule="is-leadership",verdict="not_relevant"} 1`, `feedwatch_rule_precision{rule="is-leadership"} 0`, "feedwatch_silences_active 1"} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics should say %s", want)
		}
	}
	if code := r.stop(); code != exitOK {
		t.Fatalf("run exited %d:\n%s", code, r.errb.String())
	}
	_, js, _ = runCmd(t, context.Background(), "status", "-o", "json", "--config", cfg)
	var status struct {
		Precision map[string]struct {
			NotRelevant int     `json:"not_relevant"`
			Estimate    float64 `json:"precision"`
		}
	}
	if err := json.Unmarshal([]byte(js), &status); err != nil || status.Precision["is-leadership"].NotRelevant != 1 {
		t.Errorf("status -o json should give is-leadership's precision (%v):\n%s", err, js)
	}
	_, audit, _ := runCmd(t, context.Background(), "audit", "--config", cfg)
	for _, want := range []string{outsider + "  not_relevant  refused", "refused: only members of this channel may", analyst + "  snooze_rule  allowed"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit should list %q:\n%s", want, audit)
		}
	}
	code, labels, errOut := runCmd(t, context.Background(), "feedback", "export", "--config", cfg)
	if code != exitOK || strings.Count(labels, `"verdict":"not_relevant"`) != 2 || !strings.Contains(labels, `"rule":"is-leadership"`) {
		t.Fatalf("feedback export exited %d:\n%s%s", code, labels, errOut)
	}
	file := filepath.Join(t.TempDir(), "labels.jsonl")
	os.WriteFile(file, []byte(labels), 0o644)
	_, out, _ := runCmd(t, context.Background(), "backtest", "--rule", filepath.Join(rulesDir(t), "is-leadership.yaml"), "--labels", file, "--config", cfg)
	if !strings.Contains(out, "is-leadership: 1 examples: precision 0.00 (0 of 1), recall - (0 of 0)") || !strings.Contains(out, "still matches (not relevant): Iraq says") {
		t.Errorf("backtest --labels on the rule as shipped:\n%s", out)
	}
	tightened := filepath.Join(t.TempDir(), "is-leadership.yaml")
	os.WriteFile(tightened, []byte("name: IS leadership\nquery: '\"Abu Khadija\" AND captured'\n"), 0o644)
	if _, out, _ := runCmd(t, context.Background(), "backtest", "--rule", tightened, "--labels", file, "--config", cfg); !strings.Contains(out, "is-leadership: 1 examples: precision - (0 of 0)") {
		t.Errorf("backtest --labels on a tightened rule:\n%s", out)
	}
}

// TestTheManifestGrantsWhatAnsweringUses: the shipped manifest enables
// Socket Mode, interactivity and /feedwatch, with the scopes the calls
// feedwatch makes need (chat.update and chat.postEphemeral: chat:write;
// conversations.members: channels:read and groups:read;
// usergroups.users.list: usergroups:read).
func TestTheManifestGrantsWhatAnsweringUses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "slack-app-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			Slash []struct{ Command string } `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			}
			Socket bool `yaml:"socket_mode_enabled"`
		}
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Settings.Socket || !m.Settings.Interactivity.Enabled || len(m.Features.Slash) != 1 || m.Features.Slash[0].Command != "/feedwatch" {
		t.Errorf("the manifest should enable Socket Mode, interactivity and /feedwatch: %+v", m)
	}
	for _, scope := range []string{"chat:write", "commands", "channels:read", "groups:read", "usergroups:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
			t.Errorf("the manifest does not grant %s", scope)
		}
	}
}

// TestOncePostsNoButtonsNobodyWouldAnswer: with both tokens, feedwatch
// once posts its alerts without buttons (no daemon listens to clicks)
// and opens no Socket Mode connection.
func TestOncePostsNoButtonsNobodyWouldAnswer(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	if code, _, errOut := runCmd(t, context.Background(), "once", "--config", cfg); code != exitOK {
		t.Fatalf("once exited %d:\n%s", code, errOut)
	}
	posts := fake.Accepted()
	if len(posts) == 0 || strings.Contains(posts[0].Blocks, "fw_") || fake.Opens() != 0 {
		t.Errorf("once should post plain alerts and listen to nothing: %d posts, %d connections opened\n%v", len(posts), fake.Opens(), posts)
	}
}

// TestRenderShowsTheButtonsRunWouldPost: with both tokens, test --render
// -o json gives the blocks feedwatch run would post, buttons included.
func TestRenderShowsTheButtonsRunWouldPost(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	feedPath := filepath.Join(filepath.Dir(cfg), "demo-feed.xml")
	code, js, errOut := runCmd(t, context.Background(), "test", "--render", "-o", "json", "--config", cfg, feedPath)
	if code != exitOK && code != exitProblems {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(js, `"action_id": "`+slack.ActionMuteStory+`"`) || !strings.Contains(js, `"action_id": "`+slack.ActionSnoozeRule+`"`) {
		t.Errorf("the rendered alert should carry run's buttons:\n%s", js)
	}
}
