package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
