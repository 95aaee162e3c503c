package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/store"
)

// TestFeedsListsAndExportsWhatIsConfigured: feedwatch feeds shows the
// config's feeds and an OPML list's with where each is written, and what
// feeds export prints, used as feeds_file, gives the same feeds back.
func TestFeedsListsAndExportsWhatIsConfigured(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "list.opml"), []byte(`<?xml version="1.0"?>
<opml version="2.0"><head><title>Mine</title></head><body>
<outline text="Iraq">
  <outline type="rss" text="Rudaw English" xmlUrl="https://www.rudaw.example/rss/english"/>
</outline>
</body></opml>
`), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("server: {listen: \"\"}\nfeeds_file: list.opml\nfeeds:\n  - name: Wire\n    url: https://wire.example/rss\n    tags: [wire, defense]\n"), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "feeds", "--config", cfg)
	if code != 0 || !strings.Contains(out, "Rudaw English") || !strings.Contains(out, "list.opml:4") || !strings.Contains(out, "wire,defense") {
		t.Fatalf("feeds exited %d:\n%s%s", code, out, errOut)
	}
	type feed struct {
		Name, URL string
		Tags      []string
	}
	list := func(cfg string) []feed {
		code, out, errOut := runCmd(t, context.Background(), "feeds", "-o", "json", "--config", cfg)
		var fs []feed
		if err := json.Unmarshal([]byte(out), &fs); code != 0 || err != nil {
			t.Fatalf("feeds -o json exited %d (%v):\n%s%s", code, err, out, errOut)
		}
		return fs
	}
	before := list(cfg)
	code, opml, errOut := runCmd(t, context.Background(), "feeds", "export", "--config", cfg)
	if code != 0 || !strings.HasPrefix(opml, "<?xml") {
		t.Fatalf("feeds export exited %d:\n%s%s", code, opml, errOut)
	}
	os.WriteFile(filepath.Join(dir, "exported.opml"), []byte(opml), 0o644)
	cfg2 := filepath.Join(dir, "config2.yaml")
	os.WriteFile(cfg2, []byte("server: {listen: \"\"}\nfeeds_file: exported.opml\n"), 0o644)
	after := list(cfg2)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) || len(before) != 2 {
		t.Errorf("exported and read back:\n%s\nwant\n%s", b2, b1)
	}
}

// TestRulesListsTheShippedRules: feedwatch rules names every rule file
// with its channel, and -o json gives the same with ids.
func TestRulesListsTheShippedRules(t *testing.T) {
	cfg := demo(t)
	code, out, errOut := runCmd(t, context.Background(), "rules", "-o", "json", "--config", cfg)
	var rs []struct{ ID, Name, Channel string }
	if err := json.Unmarshal([]byte(out), &rs); code != 0 || err != nil || len(rs) == 0 {
		t.Fatalf("rules exited %d (%v):\n%s%s", code, err, out, errOut)
	}
	for _, r := range rs {
		if r.ID == "" || r.Name == "" || r.Channel == "" {
			t.Errorf("rule without id, name or channel: %+v", r)
		}
	}
	_, text, _ := runCmd(t, context.Background(), "rules", "--config", cfg)
	if !strings.HasPrefix(text, "RULE") || strings.Count(text, "\n") != len(rs)+1 {
		t.Errorf("rules table:\n%s", text)
	}
	if !strings.Contains(text, "is-leadership") {
		t.Errorf("the shipped rule is-leadership is not listed:\n%s", text)
	}
}

// TestOnceOneFeedForcedAndDryRun: once --feed polls that feed only,
// --force even while it backs off, and --dry-run prints what would be
// posted while recording and posting nothing, next to a running daemon's
// lock; a mistyped feed name is refused with what was meant.
func TestOnceOneFeedForcedAndDryRun(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(body, []byte("\n  - name: Broken wire\n    url: file:missing.xml\n")...), 0o644)

	os.MkdirAll(filepath.Join(filepath.Dir(cfg), "data"), 0o700)
	release, err := store.Lock(filepath.Join(filepath.Dir(cfg), "data", "feedwatch.db"), "run") // as a running daemon holds it
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, context.Background(), "once", "--dry-run", "--config", cfg)
	if code != 0 || !strings.Contains(out, "Abu Khadija") || !strings.Contains(errOut, "nothing recorded or posted") {
		t.Fatalf("dry run exited %d:\n%s%s", code, out, errOut)
	}
	release()
	code, out, errOut = runCmd(t, context.Background(), "once", "--dry-run", "--config", cfg)
	if code != 0 || !strings.Contains(out, "Abu Khadija") {
		t.Errorf("a second dry run should show the same alert (the first recorded nothing): exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCmd(t, context.Background(), "once", "--feed", "Demo wyre", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `no feed is named "Demo wyre" (did you mean "Demo wire"?)`) {
		t.Errorf("a mistyped feed: exit %d\n%s", code, errOut)
	}
	code, out, errOut = runCmd(t, context.Background(), "once", "--feed", "Demo wire", "--config", cfg)
	if code != 0 || !strings.Contains(out, "Abu Khadija") || !strings.Contains(errOut, "polled 1 feeds") || strings.Contains(errOut, "Broken wire") {
		t.Errorf("once --feed polls that feed only: exit %d\n%s%s", code, out, errOut)
	}
	runCmd(t, context.Background(), "once", "--feed", "Broken wire", "--config", cfg) // fails
	runCmd(t, context.Background(), "once", "--feed", "Broken wire", "--config", cfg) // fails again: now backing off
	_, _, errOut = runCmd(t, context.Background(), "once", "--feed", "Broken wire", "--config", cfg)
	if !strings.Contains(errOut, "backing off") {
		t.Fatalf("a feed that failed twice should be backing off:\n%s", errOut)
	}
	_, _, errOut = runCmd(t, context.Background(), "once", "--feed", "Broken wire", "--force", "--config", cfg)
	if strings.Contains(errOut, "backing off") || !strings.Contains(errOut, "missing.xml") {
		t.Errorf("--force should poll it now:\n%s", errOut)
	}
}

// TestCheckSaysWhatWasMeantAndReportsConfigAndRulesTogether: a mistyped
// command or key names the one meant, a scalar where a list belongs says
// how to write it, and check shows the rules' problems along with the
// configuration's.
func TestCheckSaysWhatWasMeantAndReportsConfigAndRulesTogether(t *testing.T) {
	code, _, errOut := runCmd(t, context.Background(), "chek")
	if code != exitUsage || !strings.Contains(errOut, `unknown command "chek": did you mean "check"?`) {
		t.Errorf("chek: exit %d\n%s", code, errOut)
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rules"), 0o755)
	os.WriteFile(filepath.Join(dir, "rules", "x.yaml"), []byte("name: X\nquery: Iraq\nchanel: \"#x\"\n"), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("slack:\n  chanel: \"#x\"\nfeeds:\n  - name: Wire\n    url: https://wire.example/rss\n    tags: defense\n"), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "check", "--config", cfg)
	all := out + errOut
	for _, want := range []string{
		"config.yaml:2:3: unknown key chanel (did you mean channel?)",
		`config.yaml:6:11: feeds[0].tags: expected a list (write [defense]), got "defense"`,
		"x.yaml:3:1: unknown key chanel (did you mean channel?)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("check lacks %q:\n%s", want, all)
		}
	}
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}

// TestTestRenderShowsTheMessageAsSlackGetsItAndWhereItGoes: test --render
// prints where each message goes (the rule's channel with a bot token,
// its mention, a digest rule's match held) and, with -o json, the Block
// Kit blocks the daemon would post.
func TestTestRenderShowsTheMessageAsSlackGetsItAndWhereItGoes(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rules"), 0o755)
	os.WriteFile(filepath.Join(dir, "rules", "now.yaml"), []byte("name: Now\nquery: Anbar\nchannel: \"#iraq-watch\"\nmention: here\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rules", "daily.yaml"), []byte("name: Daily\nquery: Ramadi\ndigest: \"0 7 * * *\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("Raid in Anbar near Ramadi\nForces raided a house in Anbar province.\n"), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("server: {listen: \"\"}\nslack: {token: xoxb-render-test, channel: \"#news\"}\n"), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "test", "--render", "--config", cfg, filepath.Join(dir, "a.txt"))
	if code != 0 || !strings.Contains(out, "→ posted at once to #iraq-watch, mentioning <!here>") ||
		!strings.Contains(out, "→ held for the digest of rule daily, posted on its schedule to #news") {
		t.Fatalf("test --render exited %d:\n%s%s", code, out, errOut)
	}
	_, js, _ := runCmd(t, context.Background(), "test", "--render", "-o", "json", "--config", cfg, filepath.Join(dir, "a.txt"))
	var res []struct {
		Messages []struct {
			Channel string
			Text    string
			Blocks  []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil || len(res) != 1 || len(res[0].Messages) != 2 {
		t.Fatalf("test --render -o json (%v):\n%s", err, js)
	}
	m := res[0].Messages[0]
	if m.Channel != "#iraq-watch" || len(m.Blocks) < 2 || m.Blocks[0]["type"] != "section" || !strings.Contains(m.Text, "Raid in Anbar near Ramadi") {
		t.Errorf("rendered message: %+v", m)
	}
}
