package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const subscriptions = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Analyst subscriptions</title></head>
  <body>
    <outline text="Middle East">
      <outline text="Iraq">
        <outline type="rss" text="Rudaw English" title="Rudaw English" xmlUrl="https://www.rudaw.example/rss/english" htmlUrl="https://www.rudaw.example"/>
      </outline>
      <outline type="rss" text="Al Monitor" xmlUrl="https://www.al-monitor.example/rss" category="/Analysis,wire"/>
    </outline>
    <outline type="rss" text="Defense wire" xmlUrl="https://defense.example/feed"/>
  </body>
</opml>
`

// TestFeedsFromAnOPMLList: feeds_file adds an OPML list's feeds, tagged
// by the folders they sit in and their category, next to the config's.
func TestFeedsFromAnOPMLList(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "subscriptions.opml"), []byte(subscriptions), 0o644)
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte("feeds_file: subscriptions.opml\nfeeds:\n  - name: Local\n    url: https://local.example/rss\n"), 0o644)
	cfg, err := Load(cfgPath, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range cfg.Feeds {
		got = append(got, f.Name+" "+f.URL+" ["+strings.Join(f.Tags, ",")+"]")
	}
	want := []string{
		"Local https://local.example/rss []",
		"Rudaw English https://www.rudaw.example/rss/english [Middle East,Iraq]",
		"Al Monitor https://www.al-monitor.example/rss [Middle East,Analysis,wire]",
		"Defense wire https://defense.example/feed []",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("feeds:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// What feedwatch feeds export writes reads back to the same feeds.
	var out bytes.Buffer
	if err := WriteOPML(&out, "feedwatch", cfg.Feeds); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "exported.opml"), out.Bytes(), 0o644)
	back, err := readOPML(filepath.Join(dir, "exported.opml"))
	if err != nil || len(back) != len(cfg.Feeds) {
		t.Fatalf("read back: %v, %d feeds", err, len(back))
	}
	for i, f := range back {
		if f.Name != cfg.Feeds[i].Name || f.URL != cfg.Feeds[i].URL || strings.Join(f.Tags, ",") != strings.Join(cfg.Feeds[i].Tags, ",") {
			t.Errorf("feed %d read back as %+v, want %+v", i, f, cfg.Feeds[i])
		}
	}
}

// TestAProblemInTheOPMLListIsPlacedThere: a bad feed in the list is
// reported at its line in the list, a name that clashes with the
// config's too, and a list that cannot be read at feeds_file.
func TestAProblemInTheOPMLListIsPlacedThere(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(subscriptions, "https://defense.example/feed", "ftp://defense.example/feed", 1)
	os.WriteFile(filepath.Join(dir, "subscriptions.opml"), []byte(bad), 0o644)
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte("feeds_file: subscriptions.opml\nfeeds:\n  - name: Al Monitor\n    url: https://local.example/rss\n"), 0o644)
	_, err := Load(cfgPath, env(nil))
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, want := range []string{
		`subscriptions.opml:11: feed "Defense wire": feeds[3].url: scheme must be http, https or file, not "ftp"`,
		`subscriptions.opml:9: feed "Al Monitor": feeds[2].name: "Al Monitor" is also the name of feeds[0]`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems lack %q:\n%s", want, msg)
		}
	}
	os.WriteFile(cfgPath, []byte("feeds_file: missing.opml\n"), 0o644)
	if _, err := Load(cfgPath, env(nil)); err == nil || !strings.Contains(err.Error(), "config.yaml:1:13: feeds_file: cannot read the feeds file") {
		t.Errorf("a missing list: %v", err)
	}
}
