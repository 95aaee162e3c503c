package main

// One judge: feedwatch check, start-up (once and run), a SIGHUP and an
// edit of the rules folder accept and refuse the same inputs, with the
// same message.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// judged is a setup in a folder: a config over the demo feed and one rule.
type judged struct {
	dir, cfg, rule string
}

const goodRule = "name: IS leadership\nquery: Islamic State AND leader\n"

func newJudged(t *testing.T) *judged {
	t.Helper()
	j := &judged{dir: t.TempDir()}
	j.cfg = filepath.Join(j.dir, "config.yaml")
	j.rule = filepath.Join(j.dir, "rules", "is.yaml")
	feedXML, err := os.ReadFile(filepath.Join("..", "..", "demo", "demo-feed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(j.dir, "demo-feed.xml"), feedXML, 0o644)
	os.Mkdir(filepath.Join(j.dir, "rules"), 0o755)
	j.write(t, j.rule, goodRule)
	j.write(t, j.cfg, j.config(`""`))
	return j
}

func (j *judged) config(listen string) string {
	return "rules_dir: rules\nbackfill: 36500d\nmax_age: 36500d\nserver: {listen: " + listen + "}\nfeeds:\n  - name: Demo wire\n    url: file:demo-feed.xml\n"
}

func (j *judged) write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// brokenInputs are mistakes each path must refuse alike; want is a part
// of the one message every path gives.
var brokenInputs = []struct {
	name, rule, listen, want string
}{
	{name: "a rule naming a feed that does not exist", rule: goodRule + "feeds: [Wyre]\n", want: `is.yaml:3:9: feeds[0]: no configured feed is named "Wyre"`},
	{name: "a digest that never comes", rule: goodRule + "digest: \"0 0 30 2 *\"\n", want: `it never runs (no date matches its day and month fields)`},
	{name: "a rule whose own test fails", rule: goodRule + "tests:\n  - title: Bridge opens in Ramadi\n    expect: match\n", want: `did not match, expected match`},
	{name: "a port out of range", listen: `"localhost:99999"`, want: `config.yaml:4:18: server.listen: "localhost:99999": the port must be a number from 0 to 65535`},
}

func TestCheckStartUpAndReloadsRefuseTheSameInputsWithTheSameMessage(t *testing.T) {
	for _, in := range brokenInputs {
		t.Run(in.name, func(t *testing.T) {
			j := newJudged(t)
			if in.rule != "" {
				j.write(t, j.rule, in.rule)
			}
			if in.listen != "" {
				j.write(t, j.cfg, j.config(in.listen))
			}
			code, out, errOut := runCmd(t, context.Background(), "check", "--config", j.cfg)
			if out += errOut; code == exitOK || !strings.Contains(out, in.want) {
				t.Errorf("check: exit %d, want a refusal saying %q:\n%s", code, in.want, out)
			}
			code, _, errOut = runCmd(t, context.Background(), "once", "--config", j.cfg)
			if code == exitOK || !strings.Contains(errOut, in.want) {
				t.Errorf("once (start-up): exit %d, want a refusal saying %q:\n%s", code, in.want, errOut)
			}
		})
	}
}

// daemonRun is feedwatch run in-process, with its output and a SIGHUP.
type daemonRun struct {
	out, errb *syncBuffer
	hup       chan os.Signal
	done      chan int
	cancel    context.CancelFunc
	stopOnce  sync.Once
	code      int
}

func startRun(cfg string) *daemonRun {
	r := &daemonRun{out: &syncBuffer{}, errb: &syncBuffer{}, hup: make(chan os.Signal, 1), done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		r.done <- runWithHUP(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), r.out, r.errb, func(string) (string, bool) { return "", false }, r.hup)
	}()
	return r
}

// stop ends the run and returns its exit status (again when called again).
func (r *daemonRun) stop() int {
	r.stopOnce.Do(func() { r.cancel(); r.code = <-r.done })
	return r.code
}

func TestARunningDaemonRefusesOnReloadWhatCheckRefuses(t *testing.T) {
	j := newJudged(t)
	r := startRun(j.cfg)
	out, errb, hup, done := r.out, r.errb, r.hup, r.done
	waitFor(t, "the first alert", func() bool { return strings.Contains(out.String(), "Abu Khadija") })
	for _, in := range brokenInputs {
		before := len(errb.String())
		if in.rule != "" { // the folder watch sees the edit by itself
			j.write(t, j.rule, in.rule)
			waitFor(t, "the rules refused: "+in.name, func() bool {
				return strings.Contains(unquote(errb.String()[before:]), "rules not reloaded: keeping the rules in force") &&
					strings.Contains(unquote(errb.String()[before:]), in.want)
			})
		}
		if in.listen != "" {
			j.write(t, j.cfg, j.config(in.listen))
		}
		before = len(errb.String())
		hup <- syscall.SIGHUP
		waitFor(t, "SIGHUP refusing "+in.name, func() bool {
			logs := unquote(errb.String()[before:])
			return strings.Contains(logs, "configuration not reloaded: keeping the one in force") && strings.Contains(logs, in.want)
		})
		j.write(t, j.rule, goodRule)
		j.write(t, j.cfg, j.config(`""`))
	}
	select {
	case code := <-done:
		t.Fatalf("the daemon stopped (exit %d) after refused reloads:\n%s", code, errb.String())
	default:
	}
	if code := r.stop(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

// unquote undoes the escaping of slog's text format, so that a message
// reads as check prints it.
func unquote(logs string) string {
	return strings.NewReplacer(`\"`, `"`, `\n`, "\n").Replace(logs)
}

func TestAValueFromTheEnvironmentIsJudgedNamingTheVariable(t *testing.T) {
	j := newJudged(t)
	j.write(t, j.cfg, strings.Replace(j.config(`""`), "server: {listen: \"\"}\n", "", 1))
	env := func(k string) (string, bool) {
		if k == "FEEDWATCH_LISTEN" {
			return "localhost:99999", true
		}
		return "", false
	}
	want := `environment variable FEEDWATCH_LISTEN: server.listen (not set in ` + j.cfg + `): "localhost:99999": the port must be a number from 0 to 65535`
	for _, cmd := range []string{"check", "once"} {
		var out, errb syncBuffer
		code := run(context.Background(), []string{cmd, "--config", j.cfg}, strings.NewReader(""), &out, &errb, env)
		if code != exitUsage || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d, want 2 saying %q:\n%s%s", cmd, code, want, out.String(), errb.String())
		}
	}
}

// One reader: feedwatch test refuses what a poll refuses, with the
// poll's message, and reads as one article only a page or plain text.
func TestTestReadsADocumentAsAPollDoesAndRefusesWhatItRefuses(t *testing.T) {
	docs := map[string]string{
		"note.xml":      `<note><to>Tove</to><body>Islamic State leader</body></note>`,
		"comment.xml":   "<!-- Islamic State leader -->\n",
		"empty.xml":     "  \n",
		"truncated.xml": `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><![CD`,
	}
	for name, body := range docs {
		j := newJudged(t)
		j.write(t, filepath.Join(j.dir, name), body)
		cfg := strings.Replace(j.config(`""`), "file:demo-feed.xml", "file:"+name, 1)
		j.write(t, j.cfg, cfg)
		_, _, onceErr := runCmd(t, context.Background(), "once", "--config", j.cfg)
		i := strings.Index(onceErr, `feed "Demo wire": `)
		if i < 0 {
			t.Errorf("%s: a poll did not refuse it:\n%s", name, onceErr)
			continue
		}
		pollErr := strings.SplitN(onceErr[i+len(`feed "Demo wire": `):], "\n", 2)[0]
		code, out, errOut := runCmd(t, context.Background(), "test", "--config", j.cfg, "--query", "leader", filepath.Join(j.dir, name))
		if code == exitOK || !strings.Contains(out, name+": "+pollErr) || strings.Contains(out, "MATCH") {
			t.Errorf("%s: test exit %d, want it refused with the poll's message %q:\n%s%s", name, code, pollErr, out, errOut)
		}
	}
}

// The same inputs through once, run and a SIGHUP that adds the feed give
// the same posts.
func TestOnceRunAndAReloadPostTheSame(t *testing.T) {
	alerts := func(out string) string { // the alerts, without the order of lines that differ by timing
		var keep []string
		for _, l := range strings.Split(out, "\n") {
			if l != "" && !strings.HasPrefix(l, "time=") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	j := newJudged(t)
	_, viaOnce, _ := runCmd(t, context.Background(), "once", "--config", j.cfg)
	if !strings.Contains(viaOnce, "Abu Khadija") {
		t.Fatalf("once posted nothing:\n%s", viaOnce)
	}
	runUntil := func(j *judged, hupAfter func(), want string) string {
		r := startRun(j.cfg)
		if hupAfter != nil {
			waitFor(t, "the daemon running", func() bool { return strings.Contains(r.errb.String(), "msg=running") })
			hupAfter()
			r.hup <- syscall.SIGHUP
		}
		waitFor(t, "the alert", func() bool { return strings.Contains(r.out.String(), want) })
		r.stop()
		return r.out.String()
	}
	viaRun := runUntil(newJudged(t), nil, "Abu Khadija")
	k := newJudged(t)
	k.write(t, k.cfg, strings.Replace(k.config(`""`), "feeds:\n  - name: Demo wire\n    url: file:demo-feed.xml\n", "feeds: []\n", 1))
	viaReload := runUntil(k, func() { k.write(t, k.cfg, k.config(`""`)) }, "Abu Khadija")
	if alerts(viaRun) != alerts(viaOnce) || alerts(viaReload) != alerts(viaOnce) {
		t.Errorf("different posts:\n-- once --\n%s\n-- run --\n%s\n-- reload --\n%s", viaOnce, viaRun, viaReload)
	}
}
