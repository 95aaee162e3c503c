package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/diag"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestLoadAppliesValuesDefaultsEnvironmentAndPaths(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", env(map[string]string{"TEST_TOKEN": "xoxb-123-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.Token.Reveal() != "xoxb-123-secret" {
		t.Errorf("token = %q, want it expanded from the environment", cfg.Slack.Token.Reveal())
	}
	if cfg.MaxAge.D() != 72*time.Hour || cfg.Storage.Retention.D() != 30*24*time.Hour {
		t.Errorf("day durations: max_age %s, retention %s", cfg.MaxAge, cfg.Storage.Retention)
	}
	if cfg.Fetch.MaxBody != 5<<20 || cfg.Fetch.Timeout.D() != 15*time.Second {
		t.Errorf("fetch = %+v", cfg.Fetch)
	}
	if cfg.RulesDir != filepath.Join("testdata", "myrules") || cfg.Storage.Path != filepath.Join("testdata", "state", "fw.db") {
		t.Errorf("paths not resolved against the config folder: %q %q", cfg.RulesDir, cfg.Storage.Path)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "feeds", "local.xml"))
	if cfg.Feeds[1].URL != "file://"+filepath.ToSlash(abs) {
		t.Errorf("file: URL = %q", cfg.Feeds[1].URL)
	}
	// Defaults for what the file leaves out.
	if cfg.Slack.GiveUpAfter.D() != 24*time.Hour || cfg.Log.Level != "info" || cfg.Server.Listen != "127.0.0.1:9090" {
		t.Errorf("defaults not applied: %+v %+v %+v", cfg.Slack, cfg.Log, cfg.Server)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", env(map[string]string{"TEST_TOKEN": "xoxb-123-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v", cfg.Slack, cfg.Slack, cfg.Slack)} {
		if strings.Contains(s, "xoxb-123-secret") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if !strings.Contains(cfg.String(), "[redacted]") {
		t.Errorf("printed config should show the token as [redacted]")
	}
}

func TestSecretsCanComeFromFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "token"), []byte("xoxb-from-file\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("slack:\n  token_file: token\n"), 0o600)
	cfg, err := Load(filepath.Join(dir, "config.yaml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.Token.Reveal() != "xoxb-from-file" {
		t.Errorf("token = %q", cfg.Slack.Token.Reveal())
	}
}

func TestAnUnsetVariableIsEmpty(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("slack:\n  token: ${NOT_SET}\n  webhook_url: ${ALSO_NOT_SET}\n"), 0o600)
	cfg, err := Load(filepath.Join(dir, "config.yaml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.Token != "" || cfg.Slack.WebhookURL != "" {
		t.Errorf("unset variables should expand to empty (console mode): %q %q", cfg.Slack.Token.Reveal(), cfg.Slack.WebhookURL.Reveal())
	}
}

func TestBadConfigsGiveEveryProblemWithItsLine(t *testing.T) {
	cases := map[string][]string{
		"unknown-key.yaml": {
			"testdata/unknown-key.yaml:3:3: unknown key chanel",
		},
		"bad-duration.yaml": {
			`testdata/bad-duration.yaml:1:10: max_age: invalid duration "7days"`,
			`testdata/bad-duration.yaml:3:13: fetch.max_body: invalid size "lots"`,
		},
		// Values that do not decode and values that do not validate, all at once.
		"mixed.yaml": {
			`testdata/mixed.yaml:2:11: timezone: unknown time zone "Mars/Olympus"`,
			`testdata/mixed.yaml:4:3: unknown key concurency`,
			`testdata/mixed.yaml:5:13: fetch.max_body: size "17179869185GiB" is too large`,
			`testdata/mixed.yaml:7:12: slack.channel: expected text, got a list`,
			`testdata/mixed.yaml:9:10: log.level: must be debug, info, warn or error, not "loud"`,
			`testdata/mixed.yaml:12:10: feeds[0].url: scheme must be http, https or file, not "ftp"`,
		},
		"bad-values.yaml": {
			`testdata/bad-values.yaml:1:11: schedule: invalid schedule "CRON_TZ=UTC"`,
			`testdata/bad-values.yaml:2:11: timezone: unknown time zone "Mars/Olympus"`,
			`testdata/bad-values.yaml:4:16: fetch.concurrency: must be between 1 and 256, not 0`,
			`testdata/bad-values.yaml:6:10: slack.token: set either slack.token (bot token) or slack.webhook_url, not both`,
			`testdata/bad-values.yaml:6:10: slack.token: does not look like a Slack token`,
			`testdata/bad-values.yaml:8:12: slack.channel: "news" is not a channel`,
			`testdata/bad-values.yaml:10:10: log.level: must be debug, info, warn or error, not "loud"`,
			`testdata/bad-values.yaml:13:10: feeds[0].url: scheme must be http, https or file, not "ftp"`,
			`testdata/bad-values.yaml:14:11: feeds[1].name: "wire" is also the name of feeds[0]`,
			`testdata/bad-values.yaml:16:15: feeds[1].schedule: invalid schedule "61 * * * *"`,
			`testdata/bad-values.yaml:17:5: feeds[2].name: every feed needs a name`,
		},
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := Load("testdata/"+file, env(nil))
			var ps diag.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("got %v, want problems", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Error())
			}
			if len(got) != len(want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
			}
			for i := range want {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
				}
			}
		})
	}
}

func TestParseDurationAcceptsDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0.5d": 12 * time.Hour, "20s": 20 * time.Second} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"d", "-1d", "7days", "1d-", ""} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestTheShippedConfigsAreValid(t *testing.T) {
	for _, p := range []string{"../../config.yaml", "../../demo/config.yaml"} {
		if _, err := Load(p, env(nil)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestAVariableCanHaveADefault(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("server:\n  listen: ${LISTEN:-127.0.0.1:9090}\nlog:\n  level: ${LEVEL:-info}\n"), 0o600)
	cfg, err := Load(filepath.Join(dir, "config.yaml"), env(map[string]string{"LISTEN": "0.0.0.0:9090"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "0.0.0.0:9090" || cfg.Log.Level != "info" {
		t.Errorf("listen %q level %q: want the variable's value, then the default", cfg.Server.Listen, cfg.Log.Level)
	}
}

func TestTheEnvironmentProvidesWhatTheFileLeavesOut(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte("feeds:\n  - name: Wire\n    url: https://wire.example/rss\n"), 0o644)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-from-env", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x",
		"FEEDWATCH_LISTEN": "0.0.0.0:9999", "FEEDWATCH_DATA_DIR": "/var/lib/feedwatch"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := Load(path, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.Token.Reveal() != "xoxb-from-env" || cfg.Slack.WebhookURL != "" || cfg.Server.Listen != "0.0.0.0:9999" || cfg.Storage.Path != "/var/lib/feedwatch/feedwatch.db" {
		t.Errorf("from the environment: token %q webhook %q listen %q path %q", cfg.Slack.Token.Reveal(), cfg.Slack.WebhookURL.Reveal(), cfg.Server.Listen, cfg.Storage.Path)
	}
	os.WriteFile(path, []byte("server: {listen: \"127.0.0.1:1\"}\nstorage: {path: here.db}\nslack: {token: \"\"}\nfeeds:\n  - name: Wire\n    url: https://wire.example/rss\n"), 0o644)
	cfg, err = Load(path, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.Token != "" || cfg.Server.Listen != "127.0.0.1:1" || cfg.Storage.Path != filepath.Join(dir, "here.db") {
		t.Errorf("the file must win: token %q listen %q path %q", cfg.Slack.Token.Reveal(), cfg.Server.Listen, cfg.Storage.Path)
	}
}

func TestDurationsAndSizesPrintAsTheyAreWritten(t *testing.T) {
	for d, want := range map[time.Duration]string{7 * 24 * time.Hour: "7d", 36 * time.Hour: "36h", 20 * time.Minute: "20m", 90 * time.Second: "1m30s", 2 * time.Hour: "2h", 1500 * time.Millisecond: "1.5s"} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(Duration(d).String()); err != nil || back != d {
			t.Errorf("%q parses back as %s, %v", Duration(d).String(), back, err)
		}
	}
	for n, want := range map[Size]string{10 << 20: "10MiB", 512 << 10: "512KiB", 1 << 30: "1GiB", 1000: "1000"} {
		if got := n.String(); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAFeedsTimezoneMustBeAZone(t *testing.T) {
	for tz, ok := range map[string]bool{"Asia/Baghdad": true, "Arabia/Standard": false} {
		c := Default()
		c.Feeds = []Feed{{Name: "Gulf", URL: "https://gulf.example/rss", Timezone: tz}}
		errs := c.Validate()
		if ok != (len(errs) == 0) {
			t.Errorf("timezone %q: %v", tz, errs)
		}
		if !ok && (len(errs) != 1 || errs[0].Field != "feeds[0].timezone") {
			t.Errorf("error does not name the field: %v", errs)
		}
	}
}

func TestAFeedsRequestSettingsAreChecked(t *testing.T) {
	c := Default()
	c.Feeds = []Feed{{Name: "Wire", URL: "https://wire.example/rss", Headers: map[string]Secret{"Accept-Encoding": "br", "Bad Name": "x"},
		BasicAuth: &BasicAuth{Password: "p"}}}
	var fields []string
	for _, e := range c.Validate() {
		fields = append(fields, e.Field)
	}
	got := strings.Join(fields, " ")
	for _, want := range []string{"feeds[0].headers.Accept-Encoding", "feeds[0].headers.Bad Name", "feeds[0].basic_auth.username"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %s", got, want)
		}
	}
}

// TestAnAppTokenComesFromTheEnvironmentAndIsCheckedLikeTheBotToken: the
// app-level token falls back to $SLACK_APP_TOKEN, is refused when it is
// not an xapp- token or comes without a bot token, and so are allow-list
// entries that are not Slack user or group IDs.
func TestAnAppTokenComesFromTheEnvironmentAndIsCheckedLikeTheBotToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	feeds := "feeds:\n  - name: Wire\n    url: https://wire.example/rss\n"
	os.WriteFile(path, []byte(feeds), 0o644)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-from-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := Load(path, lookup)
	if err != nil || cfg.Slack.AppToken.Reveal() != "xapp-1-from-env" || !cfg.Slack.Interactive() {
		t.Fatalf("app token from the environment: %q, %v", cfg.Slack.AppToken.Reveal(), err)
	}
	for body, want := range map[string]string{
		"slack: {app_token: xoxb-2}\n":                                 "slack.app_token: does not look like an app-level token",
		"slack: {token: \"\", webhook_url: \"https://h.example/x\"}\n": "needs slack.token too: buttons and /feedwatch answer with the bot token",
		"slack: {interact: {allow: [U123ABC, \"#news\", alice]}}\n":    "slack.interact.allow[1]: \"#news\" is not a Slack user ID",
	} {
		os.WriteFile(path, []byte(body+feeds), 0o644)
		_, err := Load(path, lookup)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
}
