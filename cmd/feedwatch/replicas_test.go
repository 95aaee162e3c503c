package main

import (
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fakeslack"
	"github.com/feedwatch/feedwatch/internal/testutil"
)

// replicaFeeds serves n feeds that gain an item every second from start,
// and counts each feed's fetches per 2-second window (the feeds' @every 2s
// due times).
type replicaFeeds struct {
	start   time.Time
	mu      sync.Mutex
	fetches map[string]int // "feed/window" → fetches
	frozen  int            // items per feed once the kills are over (0: still growing)
}

// matches says whether item j of feed i is an alert, and for which of the
// 20 channels' rules (marker a…t), or a digest item.
func replicaItem(i, j int) (marker string, digest bool) {
	switch k := (i*61 + j*7) % 200; {
	case k < 5:
		return string(rune('a' + (i+j)%20)), false
	case k == 100:
		return "", true
	}
	return "", false
}

func (f *replicaFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	n := int(now.Sub(f.start)/time.Second) + 1
	f.mu.Lock()
	f.fetches[fmt.Sprintf("%d/%d", i, now.Unix()/2)]++
	if f.frozen > 0 {
		n = f.frozen
	}
	f.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire %d</title>`, i)
	for j := range n {
		title, text := fmt.Sprintf("Council meets on roads, item %d-%d:", i, j), "The council discussed the budget."
		if m, digest := replicaItem(i, j); m != "" {
			title, text = fmt.Sprintf("Marker%s story, item %d-%d: officials speak", m, i, j), "Officials spoke to reporters."
		} else if digest {
			title, text = fmt.Sprintf("Tallyword roundup, item %d-%d: figures", i, j), "Figures were published."
		}
		fmt.Fprintf(&b, "<item><guid>w%d-%d</guid><title>%s</title><link>https://wire.example/%d/%d</link><pubDate>%s</pubDate><description>%s %d</description></item>",
			i, j, html.EscapeString(title), i, j, f.start.Add(time.Duration(j)*time.Second).UTC().Format(time.RFC1123Z), html.EscapeString(text), i*100003+j*7919)
	}
	b.WriteString("</channel></rss>")
	w.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(w, b.String())
}

// TestThreeProcessesOnOnePostgresPostEveryMatchOnceWhileBeingKilled runs
// three `feedwatch run` on one PostgreSQL database, 200 feeds on loopback
// with a new item every second, alerts for 20 channels and a digest, and
// kills one of them at random with SIGKILL every 10 s (then starts it
// again). Every match must be posted; a post a kill cut off may be
// repeated, at most one per kill; no feed is fetched twice for one due
// time beyond what the killed processes had in flight; each digest item
// goes out once; and no channel gets two posts within Slack's second.
// It needs PostgreSQL (FEEDWATCH_TEST_POSTGRES) and runs for
// FEEDWATCH_REPLICA_SECONDS (60) of kills, then until everything is posted.
func TestThreeProcessesOnOnePostgresPostEveryMatchOnceWhileBeingKilled(t *testing.T) {
	dbURL := testutil.Postgres(t)
	seconds, _ := strconv.Atoi(os.Getenv("FEEDWATCH_REPLICA_SECONDS"))
	if seconds <= 0 {
		seconds = 60
	}
	const feeds, processes = 200, 3
	src := &replicaFeeds{start: time.Now(), fetches: map[string]int{}}
	srv := httptest.NewServer(src)
	defer srv.Close()
	fake := fakeslack.New(t)
	fake.SlowUpTo(100 * time.Millisecond)
	cfg := replicaConfig(t, dbURL, srv.URL, fake.URL, feeds)

	procs := make([]*exec.Cmd, processes)
	for i := range procs {
		procs[i] = startReplica(t, cfg, i)
	}
	var kills []time.Time
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Second)
		victim := rand.IntN(processes)
		kills = append(kills, time.Now())
		procs[victim].Process.Signal(syscall.SIGKILL)
		procs[victim].Wait()
		procs[victim] = startReplica(t, cfg, victim)
	}
	src.mu.Lock()
	src.frozen = int(time.Since(src.start)/time.Second) + 1 // no item more: every post is then judged
	published := src.frozen
	src.mu.Unlock()
	want := map[string]bool{}
	var digestItems []string
	for i := range feeds {
		for j := range published {
			if m, digest := replicaItem(i, j); m != "" {
				want[fmt.Sprintf("item %d-%d:", i, j)] = true
			} else if digest {
				digestItems = append(digestItems, fmt.Sprintf("item %d-%d:", i, j))
			}
		}
	}
	testutil.Eventually(t, 3*time.Minute, "every match published during the kills to be posted", func() bool {
		return len(postedItems(fake.Accepted(), want)) == len(want)
	})
	time.Sleep(25 * time.Second) // a digest run after the last digest item was recorded: each process fires every 10 s, the first in each 10-s window runs it
	for _, p := range procs {
		p.Process.Signal(syscall.SIGTERM)
		p.Wait()
	}
	judgeReplicas(t, fake.Accepted(), want, digestItems, src, kills)
	if t.Failed() {
		for i := range processes {
			b, _ := os.ReadFile(filepath.Join(filepath.Dir(cfg), fmt.Sprintf("process-%d.log", i)))
			t.Logf("process %d's log, its end:\n%s", i, b[max(0, len(b)-3000):])
		}
	}
}

func replicaConfig(t *testing.T, dbURL, feedURL, slackURL string, feeds int) string {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	os.MkdirAll(rules, 0o755)
	for c := range 20 {
		m := string(rune('a' + c))
		os.WriteFile(filepath.Join(rules, "marker-"+m+".yaml"), []byte(fmt.Sprintf("name: Marker %s\nquery: marker%s\nchannel: \"#ch-%s\"\n", m, m, m)), 0o644)
	}
	os.WriteFile(filepath.Join(rules, "tally.yaml"), []byte("name: Tally\nquery: tallyword\nchannel: \"#digest\"\ndigest: \"@every 10s\"\n"), 0o644)
	lines := []string{
		"rules_dir: " + rules,
		"schedule: \"@every 2s\"",
		"backfill: 1h",
		"storage: {driver: postgres, url: \"" + dbURL + "\", lease: 10s}",
		"fetch: {timeout: 5s, concurrency: 8}",
		"server: {listen: \"\"}",
		"slack: {token: xoxb-replica-test, channel: \"#news\", api_url: \"" + slackURL + "/\"}",
		"feeds:",
	}
	for i := range feeds {
		lines = append(lines, fmt.Sprintf("  - {name: Wire %d, url: \"%s/feed/%d\"}", i, feedURL, i))
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	return cfg
}

// startReplica starts `feedwatch run` in a child process, its log in the
// test's folder.
func startReplica(t *testing.T, cfg string, i int) *exec.Cmd {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "FEEDWATCH_CHILD=run --config "+cfg)
	log, err := os.OpenFile(filepath.Join(filepath.Dir(cfg), fmt.Sprintf("process-%d.log", i)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	child.Stdout, child.Stderr = log, log
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	return child
}

var itemRe = regexp.MustCompile(`item \d+-\d+:`)

// postedItems counts how often each wanted item was posted (an alert, a
// reply or an entry of a flood summary).
func postedItems(posts []fakeslack.Post, want map[string]bool) map[string]int {
	n := map[string]int{}
	for _, p := range posts {
		seen := map[string]bool{} // an item named twice in one post (text and blocks) is one post of it
		for _, it := range itemRe.FindAllString(p.Text+p.Blocks, -1) {
			if want[it] && !seen[it] {
				seen[it] = true
				n[it]++
			}
		}
	}
	return n
}

func judgeReplicas(t *testing.T, posts []fakeslack.Post, want map[string]bool, digestItems []string, src *replicaFeeds, kills []time.Time) {
	all := map[string]bool{}
	for it := range want {
		all[it] = true
	}
	for _, it := range digestItems {
		all[it] = true
	}
	counts := postedItems(posts, all)
	for it := range all {
		if counts[it] == 0 {
			t.Errorf("%q was never posted", it)
		}
	}
	repeats := repeatedPosts(posts)
	for _, r := range repeats {
		if !inFlightAtAKill(r.first, kills) {
			t.Errorf("%s was posted again at %s: its first post (%s) was not in flight when a process was killed", r.item, r.again.Format(time.StampMilli), r.first.Format(time.StampMilli))
		}
	}
	src.mu.Lock()
	twice, windows := 0, len(src.fetches)
	for _, n := range src.fetches {
		twice += n - 1
	}
	src.mu.Unlock()
	tooSoon := paceBreaks(posts)
	alerts := 0 // posts to the alert channels: one per match, and the repeats
	for _, p := range posts {
		if strings.HasPrefix(p.Channel, "#ch-") {
			alerts++
		}
	}
	if alerts > len(want)+len(repeats) {
		t.Errorf("%d posts to the alert channels for %d matches and %d repeats after kills: some alert went out twice", alerts, len(want), len(repeats))
	}
	heads := map[string]int{} // top-level posts per alert channel: the reports of each channel read as one story
	for _, p := range posts {
		if strings.HasPrefix(p.Channel, "#ch-") && p.ThreadTS == "" {
			heads[p.Channel]++
		}
	}
	total := 0
	for _, n := range heads {
		total += n
	}
	if total > len(heads)+len(repeats) { // a head cut off by a kill may be posted again
		t.Errorf("top-level posts per channel %v: the reports of a channel are one story, threaded under its first post whichever process posts them", heads)
	}
	t.Logf("%d posts for %d matches and %d digest items over %d kills: %d posts repeated what an earlier one posted, each cut off by a kill; %d feed-windows fetched, %d fetches beyond one per window; %d channel posts within 900 ms of the previous",
		len(posts), len(want), len(digestItems), len(kills), len(repeats), windows, twice, tooSoon)
	if twice > len(kills)*8 { // at most the fetches a killed process had in flight (fetch.concurrency 8)
		t.Errorf("%d fetches beyond one per feed and due time, more than the %d a killed process may have had in flight", twice, len(kills)*8)
	}
	if tooSoon > len(kills) {
		t.Errorf("%d posts came within 900 ms of the previous one in their channel: Slack's pace was not kept across processes", tooSoon)
	}
}

// inFlightAtAKill says whether a post Slack took at first may have been
// unrecorded when a process was killed: taken at most 3 s before a kill.
// (A process posts to several channels at once, so one kill may cut off
// several posts, one per channel it posted to.)
func inFlightAtAKill(first time.Time, kills []time.Time) bool {
	for _, k := range kills {
		if !first.After(k.Add(500*time.Millisecond)) && first.After(k.Add(-3*time.Second)) {
			return true
		}
	}
	return false
}

// repeat is an item a post carried again.
type repeat struct {
	item         string
	first, again time.Time
}

// repeatedPosts lists the posts, in the order Slack took them, that carry
// an item an earlier post carried (an alert, or a digest repeated whole
// when the process posting it was killed before recording it): one entry
// per such post.
func repeatedPosts(posts []fakeslack.Post) []repeat {
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].At.Before(posts[j].At) })
	firstAt := map[string]time.Time{}
	var out []repeat
	for _, p := range posts {
		items := itemRe.FindAllString(p.Text+p.Blocks, -1)
		for _, it := range items {
			if at, seen := firstAt[it]; seen {
				out = append(out, repeat{it, at, p.At})
				break
			}
		}
		for _, it := range items {
			if _, seen := firstAt[it]; !seen {
				firstAt[it] = p.At
			}
		}
	}
	return out
}

// paceBreaks counts posts that arrived within 900 ms of the previous post
// to the same channel.
func paceBreaks(posts []fakeslack.Post) int {
	byChannel := map[string][]time.Time{}
	for _, p := range posts {
		byChannel[p.Channel] = append(byChannel[p.Channel], p.At)
	}
	n := 0
	for _, at := range byChannel {
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		for i := 1; i < len(at); i++ {
			if at[i].Sub(at[i-1]) < 900*time.Millisecond {
				n++
			}
		}
	}
	return n
}
