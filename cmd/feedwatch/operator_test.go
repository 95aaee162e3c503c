package main

// Tests of what operators do with the command line: secrets, tokens,
// exit statuses, flags, JSON output, completion.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

func TestSecretsNeverShowHoweverTheyAreSpelled(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	// A webhook URL in capitals, which Go prints normalised, and a feed
	// URL with a password that does not parse.
	withSecrets := strings.Replace(string(body), "server:", "slack:\n  webhook_url: \"HTTP://127.0.0.1:1/services/T000/B000/WebhookSecret1\"\nserver:", 1)
	os.WriteFile(cfg, []byte(withSecrets), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	_, status, _ := runCmd(t, context.Background(), "status", "--config", cfg)
	broken := strings.Replace(withSecrets, "url: file:demo-feed.xml", `url: "https://analyst:FeedPass9@feeds example/rss"`, 1)
	os.WriteFile(cfg, []byte(broken), 0o644)
	_, checkOut, checkErr := runCmd(t, context.Background(), "check", "--config", cfg)
	all := out + errOut + status + checkOut + checkErr
	for _, leak := range []string{"WebhookSecret1", "FeedPass9"} {
		if strings.Contains(all, leak) {
			t.Errorf("%q leaks (once exit %d):\n%s", leak, code, all)
		}
	}
	if !strings.Contains(all, "[redacted]") {
		t.Errorf("nothing was redacted; did the failures happen?\n%s", all)
	}
}

func withSlack(t *testing.T, cfg string, fake *fakeslack.Server) {
	t.Helper()
	body, _ := os.ReadFile(cfg)
	s := strings.Replace(string(body), "server:", "slack:\n  token: xoxb-test-token\n  channel: \"#news\"\n  api_url: "+fake.URL+"/\nserver:", 1)
	os.WriteFile(cfg, []byte(s), 0o644)
}

func TestCheckVerifiesTheTokenAndRetryResendsWhatFailedOnceFixed(t *testing.T) {
	cfg := demo(t)
	fake := fakeslack.New(t)
	withSlack(t, cfg, fake)
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg); code != exitOK || !strings.Contains(out, "slack.token: ok (auth.test)") {
		t.Errorf("check with a good token: exit %d\n%s", code, out)
	}
	fake.RefuseToken("token_revoked")
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg); code != exitUsage || !strings.Contains(out, "Slack refused the token (token_revoked)") {
		t.Errorf("check with a revoked token: exit %d\n%s", code, out)
	}
	fake.RefuseToken("")

	// The bot is not in the channel: the alert fails for good.
	fake.Queue("", fakeslack.Response{Error: "not_in_channel"})
	runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	if _, status, _ := runCmd(t, context.Background(), "status", "--config", cfg); !strings.Contains(status, "1 failed") {
		t.Fatalf("status after not_in_channel:\n%s", status)
	}
	// Once the bot is invited, retry queues it again and it goes.
	if code, out, _ := runCmd(t, context.Background(), "retry", "--config", cfg); code != exitOK || !strings.Contains(out, "1 failed deliveries queued again") {
		t.Fatalf("retry: exit %d: %s", code, out)
	}
	runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	if n := len(fake.Accepted()); n != 1 {
		t.Errorf("%d posts accepted after retry, want the one that had failed", n)
	}
}

func TestJSONLogLinesNameEachKeyOnce(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(body, []byte("\nlog: {format: json, level: debug}\n")...), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	}()
	waitFor(t, "the alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })
	cancel()
	<-done
	logs := errb.String()
	if !strings.Contains(logs, `"msg":"start"`) {
		t.Fatalf("no scheduler line to check:\n%s", logs)
	}
	for _, noise := range []string{`"msg":"wake"`, `"msg":"run"`, `"msg":"schedule"`} {
		if strings.Contains(logs, noise) {
			t.Errorf("the cron library's per-tick chatter is logged (%s)", noise)
		}
	}
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) < 3 {
		t.Fatalf("too few log lines:\n%s", logs)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") {
			continue // once's summary lines
		}
		if n := strings.Count(l, `"component":`); n > 1 {
			t.Errorf("a log line names its component %d times: %s", n, l)
		}
	}
}

func TestOnceExitsOneWhenAnAlertIsLostOrNoFeedCouldBePolled(t *testing.T) {
	cfg := demo(t)
	fake := fakeslack.New(t)
	withSlack(t, cfg, fake)
	fake.Queue("", fakeslack.Response{Error: "channel_not_found"})
	code, _, errOut := runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	if code != exitProblems || !strings.Contains(errOut, "1 alerts failed for good") {
		t.Errorf("an alert failed for good: exit %d\n%s", code, errOut)
	}
	// The feed file goes missing: after two failures it backs off, and the
	// next run skips it.
	os.Remove(filepath.Join(filepath.Dir(cfg), "demo-feed.xml"))
	for range 2 {
		runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	}
	code, _, errOut = runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "0s")
	if code != exitProblems || !strings.Contains(errOut, "skipped: backing off after 2 failures until") || !strings.Contains(errOut, "1 skipped") {
		t.Errorf("every feed skipped: exit %d\n%s", code, errOut)
	}
}

func TestSmallThingsOperatorsTry(t *testing.T) {
	if code, out, _ := runCmd(t, context.Background(), "--version"); code != exitOK || !strings.HasPrefix(out, "feedwatch ") {
		t.Errorf("--version: exit %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, context.Background(), "help", "nosuch"); code != exitUsage || !strings.Contains(errOut, `unknown command "nosuch"`) {
		t.Errorf("help nosuch: exit %d %q", code, errOut)
	}
	cfg := demo(t)
	if code, _, errOut := runCmd(t, context.Background(), "test", "--config", cfg, "--query", "leader", "no-such-article.txt"); code != exitUsage || !strings.Contains(errOut, "no-such-article.txt") {
		t.Errorf("test on a missing file: exit %d %q", code, errOut)
	}
}

func TestFlagsMayComeAnywhere(t *testing.T) {
	cfg := demo(t)
	if code, out, errOut := runCmd(t, context.Background(), "--config", cfg, "once"); code != exitOK || !strings.Contains(out, "Abu Khadija") {
		t.Errorf("--config before the command: exit %d\n%s%s", code, out, errOut)
	}
	article := filepath.Join(t.TempDir(), "a1.txt")
	os.WriteFile(article, []byte("Iran says talks resume\nTehran said on Monday that talks would resume.\n"), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "test", article, "--config", cfg, "--query", "Iran")
	if code != exitOK || strings.Count(out, "MATCH") != 1 || strings.Contains(out, "NO MATCH") {
		t.Errorf("flags after the input: exit %d\n%s%s", code, out, errOut)
	}
}

func TestConfigPrintsWhatIsInEffectAndWhereItCameFrom(t *testing.T) {
	cfg := demo(t)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-SecretPart"}
	var out, errb syncBuffer
	code := run(context.Background(), []string{"config", "--config", cfg}, strings.NewReader(""), &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"slack.token:", "[redacted]", "# environment (SLACK_BOT_TOKEN)", "backfill:", "# file", "schedule:", "# default",
		"backfill:                36500d", "storage.retention:       90d", "fetch.max_body:          10MiB", "fetch.timeout:           20s"} { // as a person writes them
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "SecretPart") {
		t.Error("the token shows")
	}
}

// TestConfigNamesTheRealSourceOfEachValue: the shipped config.yaml's
// ${VAR:-default} and ${VAR} say whether the variable was set, an empty
// user agent shows the one sent, and a feed from feeds_file names its
// line there.
func TestConfigNamesTheRealSourceOfEachValue(t *testing.T) {
	dir := t.TempDir()
	shipped, _ := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	os.WriteFile(filepath.Join(dir, "config.yaml"), append(shipped, []byte("feeds_file: list.opml\n")...), 0o644)
	os.WriteFile(filepath.Join(dir, "list.opml"), []byte(`<opml version="2.0"><body>
<outline type="rss" text="Listed" xmlUrl="https://listed.example/rss"/></body></opml>`), 0o644)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-SecretPart"}
	var out, errb syncBuffer
	code := run(context.Background(), []string{"config", "--config", filepath.Join(dir, "config.yaml")}, strings.NewReader(""), &out, &errb,
		func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`server.listen: +127.0.0.1:9090 +# file: the default in \$\{FEEDWATCH_LISTEN:-…\} \(FEEDWATCH_LISTEN is not set\)`),
		regexp.MustCompile(`slack.webhook_url: +# file: \$\{SLACK_WEBHOOK_URL\} is not set, so empty`),
		regexp.MustCompile(`slack.token: +\[redacted\] +# file, \$\{SLACK_BOT_TOKEN\}`),
		regexp.MustCompile(`fetch.user_agent: +feedwatch/\S+ \(\+https://\S+\) +# default \(fetch.user_agent is empty\)`),
		regexp.MustCompile(`feeds\[\d+\].url: +https://listed.example/rss +# feeds_file \S+list.opml:2`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
}

func TestStatusSpeaksJSONForScripts(t *testing.T) {
	cfg := demo(t)
	runCmd(t, context.Background(), "once", "--config", cfg)
	code, out, errOut := runCmd(t, context.Background(), "status", "--config", cfg, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Feeds []struct {
			Name        string  `json:"name"`
			LastSuccess *string `json:"last_success"`
		} `json:"feeds"`
		Deliveries map[string]int `json:"deliveries"`
		Recent     []struct {
			Title string `json:"title"`
		} `json:"recent"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(r.Feeds) != 1 || r.Feeds[0].LastSuccess == nil || r.Deliveries["sent"] != 1 || len(r.Recent) != 1 || !strings.Contains(r.Recent[0].Title, "Abu Khadija") {
		t.Errorf("status JSON = %+v", r)
	}
}

func TestBashCompletesCommandsAndTheirFlags(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	code, script, _ := runCmd(t, context.Background(), "completion", "bash")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	path := filepath.Join(t.TempDir(), "feedwatch.bash")
	os.WriteFile(path, []byte(script), 0o644)
	cases := []struct{ words, want string }{
		{"feedwatch st", "status"},
		{"feedwatch once --w", "--wait"},
		{"feedwatch --config x.yaml st", "status"}, // after a global flag and its value
		{"feedwatch -o json sta", "status"},
		{"feedwatch check --s", "--slack"},
		{"feedwatch status -o ", "text json"},
		{"feedwatch test -", "-o --config --query --render --rule"},
		{"feedwatch backtest --q", "--query"},
		{"feedwatch completion ", "bash zsh"},
		{"feedwatch help sen", "send-test"},
		{"feedwatch feeds ex", "export"},
		{"feedwatch status ", ""}, // takes no argument: no file names
	}
	for _, c := range cases {
		words := strings.Fields(c.words)
		if strings.HasSuffix(c.words, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, strconv.Quote(w))
		}
		script := fmt.Sprintf("source %s\nCOMP_WORDS=(%s); COMP_CWORD=%d; _feedwatch; echo \"${COMPREPLY[*]}\"", path, strings.Join(quoted, " "), len(words)-1)
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		got := strings.Fields(string(out))
		sort.Strings(got)
		want := strings.Fields(c.want)
		sort.Strings(want)
		if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q<TAB> completes %q (%v), want %q", c.words, out, err, c.want)
		}
	}
}

func TestCheckSlackAsksAboutEveryChannelAndSendTestPostsToEach(t *testing.T) {
	cfg := demo(t)
	fake := fakeslack.New(t)
	withSlack(t, cfg, fake)
	fake.SetChannels(fakeslack.Channel{ID: "C01", Name: "news", Member: true})
	if code, out, _ := runCmd(t, context.Background(), "check", "--slack", "--config", cfg); code != exitOK || !strings.Contains(out, "channel #news: ok") {
		t.Errorf("a channel the bot is in: exit %d\n%s", code, out)
	}
	fake.SetChannels(fakeslack.Channel{ID: "C01", Name: "news"})
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg, "--slack"); code != exitOK || !strings.Contains(out, "#news: ok: the bot is not in it, and posts there with chat:write.public") {
		t.Errorf("a public channel the bot is not in: exit %d\n%s", code, out)
	}
	fake.SetChannels(fakeslack.Channel{ID: "C01", Name: "news", Private: true})
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg, "--slack"); code != exitUsage || !strings.Contains(out, "#news: the bot is not in this private channel: invite it") {
		t.Errorf("a private channel the bot is not in: exit %d\n%s", code, out)
	}
	fake.MissingScope("channels:read")
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg, "--slack"); code != exitOK ||
		strings.Count(out, "missing_scope")+strings.Count(out, "channels #news: not checked: the token lacks the channels:read and groups:read scopes") != 1 {
		t.Errorf("a token with the posting scopes only: exit %d\n%s", code, out)
	}
	fake.MissingScope("")
	offline := demo(t)
	body, _ := os.ReadFile(offline)
	os.WriteFile(offline, []byte(strings.Replace(string(body), "server:", "slack:\n  token: xoxb-test-token\n  channel: \"#news\"\n  api_url: http://127.0.0.1:1/\nserver:", 1)), 0o644)
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", offline, "--slack"); code != exitOK ||
		!strings.Contains(out, "channels #news: not checked, Slack could not be reached") {
		t.Errorf("Slack out of reach: exit %d\n%s", code, out)
	}
	fake.SetChannels()
	if code, out, _ := runCmd(t, context.Background(), "check", "--config", cfg, "--slack"); code != exitUsage || !strings.Contains(out, "#news: no such channel") {
		t.Errorf("no such channel: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, context.Background(), "send-test", "--config", cfg); code != exitOK || !strings.Contains(out, "#news: sent") {
		t.Errorf("send-test: exit %d\n%s", code, out)
	}
	posts := fake.Accepted()
	if len(posts) != 1 || posts[0].Channel != "#news" || !strings.Contains(posts[0].Text, "a test message") {
		t.Errorf("posts = %+v", posts)
	}
}

func TestStatusShowsTheRulesInForceAndSaysWhenTheDiskDiffers(t *testing.T) {
	cfg := demo(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("name: Leaders\nquery: leader\n"), 0o644)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "rules_dir: "+rulesDir(t), "rules_dir: "+dir, 1)), 0o644)
	runCmd(t, context.Background(), "once", "--config", cfg)
	_, out, _ := runCmd(t, context.Background(), "status", "--config", cfg)
	if !strings.Contains(out, "Daemon: not running") || strings.Contains(out, "Rules in force") ||
		!strings.Contains(out, "Rules on disk (1): Leaders") || !regexp.MustCompile(`Demo wire +\S+ \S+ UTC +0 +- `).MatchString(out) {
		t.Errorf("after once, no daemon runs: no next poll, no rules in force:\n%s", out)
	}

	r := startRun(cfg)
	defer r.stop()
	waitFor(t, "the daemon's rules", func() bool {
		_, out, _ = runCmd(t, context.Background(), "status", "--config", cfg)
		return strings.Contains(out, "Rules in force (loaded ")
	})
	if !strings.Contains(out, "Daemon: running: feedwatch run (pid") || !strings.Contains(out, ": Leaders\n") || strings.Contains(out, "Rules on disk") {
		t.Errorf("status of a running daemon:\n%s", out)
	}
	var rep statusReport
	_, js, _ := runCmd(t, context.Background(), "status", "-o", "json", "--config", cfg)
	if err := json.Unmarshal([]byte(js), &rep); err != nil || !rep.Daemon.Running || len(rep.Feeds) != 1 || rep.Feeds[0].NextPoll == nil ||
		len(rep.RulesInForce) != 1 || rep.RulesInForce[0].ID != "a" || rep.Deliveries[article.Failed] != 0 ||
		!strings.Contains(js, `"failed": 0`) || !strings.Contains(js, `"next_poll": "20`) {
		t.Errorf("status -o json of a running daemon (%v):\n%s", err, js)
	}
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: Ramadi\nquery: (Ramadi\n"), 0o644)
	_, out, _ = runCmd(t, context.Background(), "status", "--config", cfg)
	if !strings.Contains(out, "has problems, so the rules in force stay") {
		t.Errorf("status after a broken edit:\n%s", out)
	}
}

func TestOnceEndsAtItsWaitNamingWhyAlertsArePending(t *testing.T) {
	cfg := demo(t)
	fake := fakeslack.New(t)
	withSlack(t, cfg, fake)
	fake.RefuseToken("invalid_auth")
	start := time.Now()
	code, _, errOut := runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "3s")
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("once with a refused token took %s, want it to end within --wait 3s and a few seconds", took)
	}
	if code != exitProblems || !strings.Contains(errOut, "1 still pending") || !strings.Contains(errOut, "Slack refused the token (invalid_auth)") {
		t.Errorf("a refused token: exit %d, want 1 naming the cause\n%s", code, errOut)
	}
	if n := len(fake.Accepted()); n != 0 {
		t.Fatalf("%d posts accepted with a refused token", n)
	}

	// Slack answers 503 to every post: once waits for its retries until
	// --wait, then names the last error.
	fake.RefuseToken("")
	for range 20 {
		fake.Queue("", fakeslack.Response{Status: 503})
	}
	start = time.Now()
	code, _, errOut = runCmd(t, context.Background(), "once", "--config", cfg, "--wait", "2s")
	if took := time.Since(start); took > 7*time.Second {
		t.Errorf("once with Slack failing took %s, want --wait 2s and a few seconds", took)
	}
	if code != exitProblems || !strings.Contains(errOut, "still retrying (last error:") {
		t.Errorf("Slack failing: exit %d, want 1 naming the last error\n%s", code, errOut)
	}
}

func TestAnUnknownOutputFormatIsRefusedAndDeliveredLinesNameTheAlert(t *testing.T) {
	cfg := demo(t)
	for _, args := range [][]string{{"status", "-o", "yaml"}, {"test", "-o", "yaml", "--query", "leader", "-"}, {"backtest", "-o", "xml", "--query", "leader"}} {
		code, out, errOut := runCmd(t, context.Background(), append(args, "--config", cfg)...)
		if code != exitUsage || !strings.Contains(errOut, "is not an output format: use text or json") {
			t.Errorf("%v: exit %d, want 2 naming the formats\n%s%s", args, code, out, errOut)
		}
	}
	_, _, logs := runCmd(t, context.Background(), "once", "--config", cfg)
	if !strings.Contains(logs, `msg=delivered component=outbox channel=#news-alerts delivery=1 rule="Coalition operations in Anbar, IS leadership" feed="Demo wire" title="Iraq says Islamic State's top leader`) {
		t.Errorf("the delivered line should name the rule, feed and headline:\n%s", logs)
	}
}

// Global flags may come before the command, whatever their values.
func TestFlagsBeforeTheCommandAndTheValueFlagsList(t *testing.T) {
	cfg := demo(t)
	if code, out, errOut := runCmd(t, context.Background(), "--config", cfg, "--version"); code != exitOK || !strings.HasPrefix(out, "feedwatch ") {
		t.Errorf("--config c.yaml --version: exit %d %s%s", code, out, errOut)
	}
	runCmd(t, context.Background(), "once", "--config", cfg)
	if code, out, errOut := runCmd(t, context.Background(), "--config", cfg, "-o", "json", "status"); code != exitOK || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("--config x -o json status: exit %d %s%s", code, out, errOut)
	}
	// Every flag that takes a value is in valueFlags: read from each
	// command's own help ("  -o FORMAT", not "  -slack").
	for _, c := range commands() {
		_, _, help := runCmd(t, context.Background(), c.name, "-h")
		for _, l := range strings.Split(help, "\n") {
			f := strings.Fields(l)
			if len(f) == 2 && strings.HasPrefix(l, "  -") && !valueFlags[strings.TrimPrefix(f[0], "-")] {
				t.Errorf("%s: flag %s takes a value but is not in valueFlags", c.name, f[0])
			}
		}
	}
}

func TestAFeedFailingAtStartUpIsAWarningNamingIt(t *testing.T) {
	cfg := demo(t)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(body, []byte("\n  - name: Missing wire\n    url: file:missing.xml\n")...), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	}()
	waitFor(t, "the start-up poll", func() bool { return strings.Contains(errb.String(), "start-up poll done") })
	cancel()
	<-done
	if !strings.Contains(errb.String(), `level=WARN msg="start-up poll done" component=daemon feeds=2 failed=1 failing="Missing wire"`) {
		t.Errorf("want a WARN naming the failing feed:\n%s", errb.String())
	}
}

func TestTheConfigurationCanComeFromFEEDWATCH_CONFIGAndAMissingOneSaysHow(t *testing.T) {
	cfg := demo(t)
	moved := filepath.Join(filepath.Dir(cfg), "elsewhere.yaml")
	os.Rename(cfg, moved)
	env := func(k string) (string, bool) {
		if k == "FEEDWATCH_CONFIG" {
			return moved, true
		}
		return "", false
	}
	var out, errb syncBuffer
	if code := run(context.Background(), []string{"check"}, strings.NewReader(""), &out, &errb, env); code != exitOK || !strings.Contains(out.String(), "elsewhere.yaml: ok") {
		t.Errorf("check with FEEDWATCH_CONFIG: exit %d\n%s%s", code, out.String(), errb.String())
	}
	code, _, errOut := runCmd(t, context.Background(), "check", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, "no such file") || !strings.Contains(errOut, "--config FILE or FEEDWATCH_CONFIG") {
		t.Errorf("a missing configuration: exit %d, want 2 saying how to name one\n%s", code, errOut)
	}
}

func TestCheckWarnsOfAConfigurationWithNoFeeds(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("rules_dir: "+rulesDir(t)+"\nserver: {listen: \"\"}\n"), 0o644)
	code, out, errOut := runCmd(t, context.Background(), "check", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "warning: "+cfg+": no feeds are configured: nothing will be polled") {
		t.Errorf("check of a configuration with no feeds: exit %d\n%s%s", code, out, errOut)
	}
}

func TestRunHelpShowsRunsFlagsAndTheBareHelpTheOverview(t *testing.T) {
	if code, _, errOut := runCmd(t, context.Background(), "run", "-h"); code != exitOK || !strings.Contains(errOut, "Usage: feedwatch run") {
		t.Errorf("run -h: exit %d, want run's own usage\n%s", code, errOut)
	}
	if code, out, _ := runCmd(t, context.Background(), "-h"); code != exitOK || !strings.Contains(out, "Commands:") {
		t.Errorf("-h: exit %d, want the overview\n%s", code, out)
	}
}
