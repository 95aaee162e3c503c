package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

// publishers are feeds shaped like real publishers', each with what a
// reader must see of it; the alert is kept in golden files as the
// console and Slack show it (FEEDWATCH_UPDATE_GOLDEN=1 rewrites them).
var publishers = []struct {
	file, feed, extra string
	want              []string // in the console alert
}{
	{"feedburner.xml", "Reuters World", "", []string{
		"https://www.reuters.example/article/us-iraq-security-idUSKBN2B70XY\n", // origLink, tracking dropped
		"on Nov. 29, U.S. Central Command said on Monday."}},
	{"googlenews.xml", "Google News Anbar", "", []string{
		"\nhttps://www.aljazeera.example/news/2026/11/30/coalition-strike-rawa-anbar\n"}}, // the redirect's url=
	{"mastodon.xml", "Iraq Analyst", "", []string{
		"Iraq Analyst: Local sources in Haditha report heavy coalition air activity over western Anbar tonight.\n"}},
	{"wordpress.xml", "Long War Monitor", "", []string{
		"https://www.longwarmonitor.example/2026/11/30/anbar-raids-leadership/\n",
		"“Three raids in a week have removed Islamic State commanders in **Anbar**.”"}}, // the excerpt, not its footer
	{"podcast.xml", "Frontline Briefing", "", []string{
		"https://media.podcasts.example/frontline/212-anbar-after-the-caliph.mp3\n"}},
	{"gulf-ast.xml", "Gulf Daily Monitor", "    timezone: Asia/Baghdad\n", []string{
		"Gulf Daily Monitor · 2026-11-30 11:30 UTC\n"}}, // 14:30 Arabia Standard Time
	{"atom-text.xml", "Newsroom Engineering", "", []string{
		"Why the <script> tag matters for Iraq coverage\n"}},
}

// TestWhatAReaderSeesOfRealPublishersFeeds polls each publisher-shaped
// feed through the product (feedwatch once), on the console and to a
// Slack stand-in, and compares the alert with its golden files.
func TestWhatAReaderSeesOfRealPublishersFeeds(t *testing.T) {
	for _, p := range publishers {
		t.Run(p.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "publishers", p.file))
			if err != nil {
				t.Fatal(err)
			}
			setup := func(slack string) string {
				dir := t.TempDir()
				os.WriteFile(filepath.Join(dir, p.file), body, 0o644)
				os.Mkdir(filepath.Join(dir, "rules"), 0o755)
				os.WriteFile(filepath.Join(dir, "rules", "iraq.yaml"), []byte("name: Iraq watch\nquery: Iraq OR Anbar OR Baghdad\n"), 0o644)
				cfg := filepath.Join(dir, "config.yaml")
				os.WriteFile(cfg, []byte("rules_dir: rules\nbackfill: 36500d\nmax_age: 36500d\nserver: {listen: \"\"}\n"+slack+
					"feeds:\n  - name: "+p.feed+"\n    url: file:"+p.file+"\n"+p.extra), 0o644)
				return cfg
			}
			code, out, errOut := runCmd(t, context.Background(), "once", "--config", setup(""))
			if code != 0 {
				t.Fatalf("once exited %d:\n%s%s", code, out, errOut)
			}
			alert := out[:strings.Index(out+"polled ", "polled ")]
			for _, w := range p.want {
				if !strings.Contains(alert, w) {
					t.Errorf("console alert lacks %q:\n%s", w, alert)
				}
			}
			name := strings.TrimSuffix(p.file, ".xml")
			golden(t, name+".console.txt", []byte(alert))

			fake := fakeslack.New(t)
			code, out, errOut = runCmd(t, context.Background(), "once", "--config",
				setup("slack: {token: xoxb-golden, channel: \"#iraq-watch\", api_url: \""+fake.URL+"/\"}\n"))
			posts := fake.Accepted()
			if code != 0 || len(posts) != 1 {
				t.Fatalf("once exited %d with %d posts:\n%s%s", code, len(posts), out, errOut)
			}
			var blocks any
			json.Unmarshal([]byte(posts[0].Blocks), &blocks)
			msg, _ := json.MarshalIndent(map[string]any{"text": posts[0].Text, "blocks": blocks}, "", "  ")
			if bytes.Contains(msg, []byte("(untitled)")) {
				t.Errorf("Slack shows (untitled):\n%s", msg)
			}
			golden(t, name+".slack.json", append(msg, '\n'))
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "publishers", name)
	if os.Getenv("FEEDWATCH_UPDATE_GOLDEN") != "" {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (FEEDWATCH_UPDATE_GOLDEN=1 writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what is shown now:\n--- golden\n%s\n--- now\n%s", name, want, got)
	}
}
