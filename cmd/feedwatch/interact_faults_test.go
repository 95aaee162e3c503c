package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/slack"
)

// addItem puts a new item at the top of a feed file beside cfg (the
// demo's, or one otherFeed made), published at pub.
func addItem(t *testing.T, cfg, file, guid, title, text string, pub time.Time) {
	t.Helper()
	path := filepath.Join(filepath.Dir(cfg), file)
	doc, _ := os.ReadFile(path)
	item := "<item><guid isPermaLink=\"false\">" + guid + "</guid><title>" + title + "</title><link>https://other.example/" + guid + "</link><pubDate>" +
		pub.UTC().Format(time.RFC1123Z) + "</pubDate><description>" + text + "</description></item>"
	if err := os.WriteFile(path, []byte(strings.Replace(string(doc), "</channel>", item+"</channel>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// otherFeed adds a second outlet, "Other wire", polled every second.
func otherFeed(t *testing.T, cfg string) {
	t.Helper()
	os.WriteFile(filepath.Join(filepath.Dir(cfg), "other-feed.xml"), []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Other wire</title></channel></rss>`), 0o644)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "feeds:\n", "feeds:\n  - name: Other wire\n    url: file:other-feed.xml\n    schedule: \"@every 1s\"\n", 1)), 0o644)
}

// ownRules copies the shipped rules into the test's folder and points
// the configuration at the copy.
func ownRules(t *testing.T, cfg string) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(cfg), "rules")
	if err := os.CopyFS(dir, os.DirFS(rulesDir(t))); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "rules_dir: "+rulesDir(t), "rules_dir: "+dir, 1)), 0o644)
	return dir
}

// TestAMutedStoryPostsNoMoreReportsAndADeletedRuleIsSaidSo: after "Mute
// story", another outlet's report of it is recorded, not posted (neither
// as a post nor as a reply); a snooze of a rule deleted since the alert
// was posted is answered clearly and changes nothing; someone who joined
// the channel after its members were read may act at once.
func TestAMutedStoryPostsNoMoreReportsAndADeletedRuleIsSaidSo(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	rulesCopy := ownRules(t, cfg)
	otherFeed(t, cfg)
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	alert := alertTS(t, fake)
	fake.Send(t, "m1", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionMuteStory, "24h", true))
	if up := reply(t, fake, 1, "/chat.update"); !strings.Contains(up.BlockText(), "<@"+analyst+"> muted this story until") {
		t.Fatalf("the message should say the story is muted:\n%s", up.BlockText())
	}
	posts := len(fake.Accepted())
	addItem(t, cfg, "other-feed.xml", "other-outlet", "Islamic State's top leader Abu Khadija killed in Anbar operation, Iraq says",
		"The head of the Islamic State in Iraq and Syria was killed in an operation by Iraqi forces supported by the U.S.-led coalition in Anbar.",
		time.Date(2025, 3, 15, 11, 0, 0, 0, time.UTC))
	waitFor(t, "the second report held by the mute", func() bool { return strings.Contains(r.errb.String(), "same story as a muted post") })
	if got := fake.Accepted(); len(got) != posts {
		t.Errorf("the muted story's next report was posted: %+v", got[len(got)-1])
	}

	if err := os.Remove(filepath.Join(rulesCopy, "is-leadership.yaml")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rules reloaded", func() bool { return strings.Contains(r.errb.String(), "rules reloaded") })
	fake.Send(t, "m2", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionSnoozeRule, "is-leadership 8h", true))
	if eph := reply(t, fake, 2, "/chat.postEphemeral"); !strings.Contains(eph.Text, "the rule is-leadership no longer exists") {
		t.Errorf("a click on a deleted rule should say so:\n%s", eph.Text)
	}
	_, out, _ := runCmd(t, context.Background(), "silence", "list", "--config", cfg)
	if strings.Contains(out, "is-leadership") {
		t.Errorf("nothing should be silenced for a deleted rule:\n%s", out)
	}
	fake.SetMembers(alertsID, analyst, "UNEWCOMER") // joined after feedwatch read the members
	fake.Send(t, "m3", "interactive", fake.Click("UNEWCOMER", alertsID, alert.TS, slack.ActionNotRelevant, "", false))
	if up := reply(t, fake, 3, "/chat.update"); !strings.Contains(up.BlockText(), "<@UNEWCOMER> marked this not relevant for coalition-anbar") {
		t.Errorf("who just joined the channel should act at once:\n%s", up.BlockText())
	}
}

// TestAClickInHandWhenStoppedIsFinishedAndAcksDoNotWaitForPosts: with
// the outbox stuck in a slow post, a click is still acknowledged within
// Slack's 3 s; stopping feedwatch while the click is being handled lets
// it finish (recorded, message updated) before exiting 0.
func TestAClickInHandWhenStoppedIsFinishedAndAcksDoNotWaitForPosts(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	alert := alertTS(t, fake)
	fake.Slow(4 * time.Second)
	fake.SlowReplies(1500 * time.Millisecond)
	addItem(t, cfg, "demo-feed.xml", "busy", "Coalition airstrike in Anbar kills militants", "U.S.-led coalition aircraft struck militants near Ramadi in Anbar province, the coalition said.", time.Now())
	waitFor(t, "the outbox busy with a slow post", func() bool {
		ps := fake.Posts()
		return strings.Contains(ps[len(ps)-1].Text, "Coalition airstrike")
	})
	fake.Send(t, "s1", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionSnoozeRule, "is-leadership 1h", true))
	if ack := fake.WaitAck(t, "s1"); ack.After > 3*time.Second {
		t.Errorf("acknowledged after %s while the outbox was busy (Slack waits 3 s)", ack.After)
	}
	waitFor(t, "the action recorded", func() bool { return strings.Contains(r.errb.String(), "action from Slack") })
	if code := r.stop(); code != exitOK {
		t.Fatalf("run exited %d:\n%s", code, r.errb.String())
	}
	if up := fake.Replies(); len(up) != 1 || up[0].Path != "/chat.update" || !strings.Contains(up[0].BlockText(), "snoozed is-leadership") {
		t.Errorf("the click in hand should have updated its message before the exit: %+v", up)
	}
	if _, out, _ := runCmd(t, context.Background(), "audit", "--config", cfg); !strings.Contains(out, analyst+"  snooze_rule  allowed") {
		t.Errorf("the action should be in the audit:\n%s", out)
	}
}

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func readyz(addr string) string {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestARefusedAppTokenIsReportedAndAlertsStillGo: Slack refusing the
// app-level token shows on /readyz and is told to the ops channel once;
// alerts are posted all the same.
func TestARefusedAppTokenIsReportedAndAlertsStillGo(t *testing.T) {
	fake := fakeslack.New(t)
	addr := freeAddr(t)
	cfg := interactive(t, fake)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), `server: {listen: ""}`, "server: {listen: \""+addr+"\"}", 1)), 0o644)
	fake.RefuseAppToken("invalid_auth")
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg); code != exitUsage || !strings.Contains(out, "slack.app_token: Slack refused the app-level token (invalid_auth)") {
		t.Errorf("check should refuse the app token: exit %d\n%s", code, out)
	}
	r := startRun(cfg)
	defer r.stop()
	alertTS(t, fake)
	waitFor(t, "the refusal on /readyz", func() bool { return strings.Contains(readyz(addr), "the app token is refused (invalid_auth)") })
	waitFor(t, "the ops notice", func() bool {
		for _, p := range fake.Accepted() {
			if p.Channel == "#ops" && strings.Contains(p.Text, "Slack refused the app-level token (invalid_auth)") {
				return true
			}
		}
		return false
	})
	if strings.Contains(r.errb.String(), fakeslack.AppToken) || strings.Contains(r.out.String(), fakeslack.AppToken) {
		t.Error("the app token appears in the output")
	}
}

// TestTheSocketComesBackAfterADropAndAShortMuteEndsOnce: a socket that
// drops without a word is opened again and clicks are heard; a mute set
// with /feedwatch ends on time and is told once: in the ops channel, or
// with slack.silence_notices: channel, where the rule's alerts go.
func TestTheSocketComesBackAfterADropAndAShortMuteEndsOnce(t *testing.T) {
	for _, c := range []struct{ setting, told string }{{"", "#ops"}, {"  silence_notices: channel\n", "#news-alerts"}} {
		t.Run(strings.TrimPrefix(c.told, "#"), func(t *testing.T) { // no # in the folder: file: URLs
			fake := fakeslack.New(t)
			cfg := interactive(t, fake, c.setting)
			r := startRun(cfg)
			defer r.stop()
			fake.WaitConnected(t, 1)
			alertTS(t, fake)
			fake.Drop()
			fake.WaitConnected(t, 2)
			fake.Send(t, "c1", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", "mute coalition-anbar 2s"))
			if m := reply(t, fake, 1, "/resp/"); !strings.Contains(m.Text, "Rule coalition-anbar is muted for 2s") {
				t.Fatalf("/feedwatch mute after the drop:\n%s", m.Text)
			}
			ended := func() (n int, where string) {
				for _, p := range fake.Accepted() {
					if strings.Contains(p.Text, "The silence #1 on rule coalition-anbar (set by "+analyst+": muted with /feedwatch) ran out") {
						n, where = n+1, p.Channel
					}
				}
				return n, where
			}
			waitFor(t, "the end of the mute told", func() bool { n, _ := ended(); return n == 1 })
			time.Sleep(2500 * time.Millisecond) // two more polls
			if n, where := ended(); n != 1 || where != c.told {
				t.Errorf("the end was told %d times, in %s (want once, in %s)", n, where, c.told)
			}
		})
	}
}

// TestTheAllowListDecidesWhoMayActAndFollowsAReload: a member of the
// alert's channel who is not on slack.interact.allow is refused; a member
// of a user group on it may act even from outside the channel; a reload
// that puts a user on the list lets them act at once.
func TestTheAllowListDecidesWhoMayActAndFollowsAReload(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake, "  interact:\n    allow: [SDESK0001]\n")
	fake.SetGroup("SDESK0001", "UDESK0001")
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	alert := alertTS(t, fake)
	fake.Send(t, "a1", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionNotRelevant, "", false))
	if eph := reply(t, fake, 1, "/chat.postEphemeral"); !strings.Contains(eph.Text, "you are not in slack.interact.allow") {
		t.Errorf("a channel member off the list should be refused:\n%s", eph.Text)
	}
	fake.Send(t, "a2", "interactive", fake.Click("UDESK0001", alertsID, alert.TS, slack.ActionNotRelevant, "", false))
	if up := reply(t, fake, 2, "/chat.update"); !strings.Contains(up.BlockText(), "<@UDESK0001> marked this not relevant") {
		t.Errorf("a member of a listed group should act:\n%s", up.BlockText())
	}
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "allow: [SDESK0001]", "allow: [SDESK0001, "+analyst+"]", 1)), 0o644)
	r.hup <- syscall.SIGHUP
	waitFor(t, "the reload", func() bool { return strings.Contains(r.errb.String(), "configuration reloaded") })
	fake.Send(t, "a3", "interactive", fake.Click(analyst, alertsID, alert.TS, slack.ActionMuteStory, "24h", true))
	if up := reply(t, fake, 3, "/chat.update"); !strings.Contains(up.BlockText(), "<@"+analyst+"> muted this story") {
		t.Errorf("after the reload the analyst should act:\n%s", up.BlockText())
	}
}

// TestAStatusOfManyRulesIsCutToWhatAReaderTakes: with 400 rules,
// /feedwatch status is cut near 3,500 characters and says where the rest is.
func TestAStatusOfManyRulesIsCutToWhatAReaderTakes(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	dir := ownRules(t, cfg)
	for i := range 400 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("watch-%03d.yaml", i)), []byte(fmt.Sprintf("name: Watch %d\nquery: zzqx%d\n", i, i)), 0o644)
	}
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	fake.Send(t, "c1", "slash_commands", fake.Command(analyst, alertsID, "news-alerts", "status"))
	st := reply(t, fake, 1, "/resp/")
	if n := len([]rune(st.Text)); n > 3600 || !strings.Contains(st.Text, "*Rules in force* (402)") || !strings.HasSuffix(st.Text, "`feedwatch status` and `feedwatch feedback` have it all)") {
		t.Errorf("status of 402 rules: %d characters:\n%s", n, st.Text)
	}
}

// TestManyClicksAtOnceEachActOnce: thirty clicks sent at once — ten
// analysts, each clicking "Not relevant", a snooze and the same snooze
// again (a retry) — are all acknowledged within 3 s; the audit holds
// twenty actions (the retries acted on the first delivery) and twenty
// messages were redrawn.
func TestManyClicksAtOnceEachActOnce(t *testing.T) {
	fake := fakeslack.New(t)
	cfg := interactive(t, fake)
	var users []string
	for i := range 10 {
		users = append(users, fmt.Sprintf("UCROWD%03d", i))
	}
	fake.SetMembers(alertsID, users...)
	r := startRun(cfg)
	defer r.stop()
	fake.WaitConnected(t, 1)
	alert := alertTS(t, fake)
	var ids []string
	for i, u := range users {
		snooze := fake.Click(u, alertsID, alert.TS, slack.ActionSnoozeRule, "coalition-anbar 1h", true)
		for k, p := range []map[string]any{fake.Click(u, alertsID, alert.TS, slack.ActionNotRelevant, "", false), snooze, snooze} {
			id := fmt.Sprintf("crowd-%d-%d", i, k)
			fake.Send(t, id, "interactive", p)
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if ack := fake.WaitAck(t, id); ack.After > 3*time.Second {
			t.Errorf("%s acknowledged after %s", id, ack.After)
		}
	}
	fake.WaitReplies(t, 20)
	time.Sleep(500 * time.Millisecond) // room for a reply too many
	if n := len(fake.Replies()); n != 20 {
		t.Errorf("%d messages redrawn, want 20", n)
	}
	if code := r.stop(); code != exitOK {
		t.Fatalf("run exited %d", code)
	}
	_, audit, _ := runCmd(t, context.Background(), "audit", "--config", cfg)
	if !strings.Contains(audit, "20 action(s) in the last") {
		t.Errorf("the audit should hold 20 actions:\n%s", audit)
	}
}
