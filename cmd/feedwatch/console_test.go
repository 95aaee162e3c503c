package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The console shows what a Slack channel would get: the same flood
// summaries and threads, a reply naming the post it continues.
func TestTheConsoleShowsWhatSlackWouldGet(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rules"), 0o755)
	os.WriteFile(filepath.Join(dir, "rules", "leaders.yaml"), []byte("name: Leaders killed\nquery: leader AND killed\n"), 0o644)
	item := func(guid, title, desc string, at time.Time) string {
		return fmt.Sprintf("<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>https://%s.example/</link><pubDate>%s</pubDate><description>%s</description></item>",
			guid, title, guid, at.UTC().Format(time.RFC1123Z), desc)
	}
	now := time.Now()
	var busy strings.Builder
	for i := range 25 {
		busy.WriteString(item(fmt.Sprintf("busy-%d", i), fmt.Sprintf("Local leader killed in district %d", i), "A local leader was killed.", now.Add(-time.Duration(30+i)*time.Minute)))
	}
	first := item("a-1", "Iraq says Islamic State's top leader Abu Khadija killed in Anbar operation",
		"The head of the Islamic State, Abu Khadija, was killed in Anbar by Iraqi forces backed by the coalition.", now.Add(-2*time.Hour))
	second := item("b-1", "Iraqi PM says ISIS chief Abu Khadija killed in joint operation with coalition",
		"Iraqi Prime Minister said Abu Khadija, the Islamic State leader, was killed in Anbar.", now.Add(-time.Hour))
	rss := func(items string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>` + items + `</channel></rss>`
	}
	os.WriteFile(filepath.Join(dir, "a.xml"), []byte(rss(first)), 0o644)
	os.WriteFile(filepath.Join(dir, "b.xml"), []byte(rss(second)), 0o644)
	os.WriteFile(filepath.Join(dir, "busy.xml"), []byte(rss(busy.String())), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	write := func(feeds ...string) {
		body := "rules_dir: rules\nbackfill: 1d\nserver: {listen: \"\"}\nfeeds:\n"
		for _, f := range feeds {
			body += "  - name: " + f + "\n    url: file:" + f + ".xml\n"
		}
		os.WriteFile(cfg, []byte(body), 0o644)
	}
	write("a")
	runCmd(t, context.Background(), "once", "--config", cfg)
	write("a", "b")
	_, out, errOut := runCmd(t, context.Background(), "once", "--config", cfg)
	if !strings.Contains(out, "↳ #news-alerts ━━ in the thread of “Iraq says Islamic State's top leader Abu Khadija killed in Anbar operation”") ||
		!strings.Contains(out, "also reported by b: Iraqi PM says ISIS chief") {
		t.Errorf("the second outlet's report should show as a reply naming the post it continues:\n%s%s", out, errOut)
	}
	write("a", "b", "busy")
	_, out, errOut = runCmd(t, context.Background(), "once", "--config", cfg)
	if n := strings.Count(out, "━━ #news-alerts ━━ Leaders killed"); n != 20 || !strings.Contains(out, "5 more matches for Leaders killed") {
		t.Errorf("25 alerts at once: %d printed as alerts, want 20 and a summary of 5, as Slack would get them:\n%s%s", n, out, errOut)
	}
}
