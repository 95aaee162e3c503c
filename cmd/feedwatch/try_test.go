package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An article in the style of the report the project started from.
const leaderKilled = `Iraq says Islamic State's deputy leader killed in Anbar raid backed by U.S.-led coalition

The head of the Islamic State's operations in Iraq was killed in a raid by Iraqi forces, supported by the U.S.-led coalition.
The operation took place near Rutba in Anbar province, officials said on Saturday.
`

const verbOnly = `The budget is debated

The leader of the largest bloc is confident the budget is passed, and it is named a priority.
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func testConfigFile(t *testing.T) string {
	return writeFile(t, "config.yaml", "rules_dir: "+rulesDir(t)+"\nfeeds: []\n")
}

func TestTestExplainsAMatchAndAMiss(t *testing.T) {
	cfg := testConfigFile(t)
	rule := filepath.Join(rulesDir(t), "is-leadership.yaml")
	code, out, errOut := runCmd(t, context.Background(), "test", "--config", cfg, "--rule", rule, writeFile(t, "killed.txt", leaderKilled))
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"MATCH     IS leadership", "hits: ", "**head of** the **Islamic State's**", "**killed**"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCmd(t, context.Background(), "test", "--config", cfg, "--rule", rule, writeFile(t, "verb.txt", verbOnly))
	if code != exitProblems {
		t.Errorf("exit %d for an article where IS is only the verb, want 1", code)
	}
	if !strings.Contains(out, "NO MATCH  IS leadership") || !strings.Contains(out, "missing: no entry of @islamic_state appears") {
		t.Errorf("the miss does not say what was missing:\n%s", out)
	}
}

func TestTestReadsStandardInputFeedsAndPages(t *testing.T) {
	cfg := testConfigFile(t)
	page := `<!doctype html><html><head><title>Site</title><meta property="og:title" content="Coalition raid in Ramadi"></head>
<body><nav>Home | World</nav><article><p>A U.S.-led coalition raid near Ramadi killed two militants.</p></article></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	defer srv.Close()
	feedFile, err := filepath.Abs(filepath.Join("..", "..", "demo", "demo-feed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	code := run(context.Background(), []string{"test", "--config", cfg, "--query", `(coalition NEAR/5 raid) AND @anbar`, srv.URL, "-", feedFile},
		strings.NewReader(leaderKilled), &out, &errb, func(string) (string, bool) { return "", false })
	if code != exitProblems {
		t.Errorf("exit %d, want 1: two feed items do not match", code)
	}
	for _, want := range []string{
		"── " + srv.URL + ": Coalition raid in Ramadi\nMATCH",
		"── -: Iraq says Islamic State's deputy leader killed in Anbar raid backed by U.S.-led coalition\nMATCH",
		"[1/3]: Iraq says Islamic State's top leader, Abu Khadija",
		"[2/3]: Iraq's parliament is debating the 2025 budget\nNO MATCH",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s%s", want, out.String(), errb.String())
		}
	}
	// It says which input was a page, and only that one.
	if want := "note: " + srv.URL + " is an HTML page, not a feed"; !strings.Contains(errb.String(), want) || strings.Count(errb.String(), "note:") != 1 {
		t.Errorf("stderr should carry one note %q:\n%s", want, errb.String())
	}
}

func TestTestRejectsABadQueryWithExit2AndPositions(t *testing.T) {
	code, _, errOut := runCmd(t, context.Background(), "test", "--config", testConfigFile(t), "--query", `leader AND (killed OR ) AND @nosuch`, "-")
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{`--query:1:23: expected a word or "(" after OR, found ")"`, "--query:1:29: unknown list @nosuch"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestBacktestListsWhatWouldHaveMatchedAndPostsNothing(t *testing.T) {
	cfg := demo(t)
	if code, _, errOut := runCmd(t, context.Background(), "once", "--config", cfg); code != exitOK {
		t.Fatalf("once: %s", errOut)
	}
	rule := filepath.Join(rulesDir(t), "coalition-anbar.yaml")
	code, out, errOut := runCmd(t, context.Background(), "backtest", "--config", cfg, "--rule", rule, "--since", "1d")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Demo wire  Iraq says Islamic State's top leader") || !strings.Contains(out, `1 of 3 articles stored since`) || !strings.Contains(out, "[Coalition operations in Anbar]") {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(out, "━━") {
		t.Error("backtest posted an alert")
	}
	draft := writeFile(t, "draft.yaml", "name: Bridges\nquery: bridge AND Euphrates\n")
	if code, out, _ := runCmd(t, context.Background(), "backtest", "--config", cfg, "--rule", draft); code != exitOK || !strings.Contains(out, "Anbar governor opens a new bridge") {
		t.Errorf("a draft rule outside the rules folder: exit %d\n%s", code, out)
	}
	none := writeFile(t, "none.yaml", "query: hurricane\n")
	if code, out, _ := runCmd(t, context.Background(), "backtest", "--config", cfg, "--rule", none); code != exitProblems || !strings.Contains(out, "0 of 3") {
		t.Errorf("no match: exit %d\n%s", code, out)
	}
	// Every rule at once, a query, and JSON.
	if code, out, _ := runCmd(t, context.Background(), "backtest", "--config", cfg); code != exitOK || !strings.Contains(out, "[Coalition operations in Anbar, IS leadership]") {
		t.Errorf("every rule at once: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, context.Background(), "backtest", "--since", "1d", "--query", "bridge AND Euphrates", "--config", cfg, "-o", "json")
	var hits []struct {
		Title string   `json:"title"`
		Rules []string `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &hits); code != exitOK || err != nil || len(hits) != 1 || !strings.Contains(hits[0].Title, "bridge") {
		t.Errorf("a query, as JSON: exit %d, %v\n%s", code, err, out)
	}
}

func TestTestSpeaksJSONForScripts(t *testing.T) {
	cfg := demo(t)
	article := writeFile(t, "a.txt", "ISIS leader killed in Anbar\nThe head of ISIS was killed in a raid by U.S. troops in Ramadi.\n")
	code, out, _ := runCmd(t, context.Background(), "test", article, "-o", "json", "--config", cfg)
	var results []struct {
		Title string `json:"title"`
		Rules []struct {
			Rule    string `json:"rule"`
			Matched bool   `json:"matched"`
			Hits    []struct {
				Term string `json:"term"`
			} `json:"hits"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &results); code != exitOK || err != nil || len(results) != 1 || len(results[0].Rules) != 2 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	for _, r := range results[0].Rules {
		if !r.Matched || len(r.Hits) == 0 || r.Hits[0].Term == "" {
			t.Errorf("rule %+v", r)
		}
	}
}

func TestTestWithoutARuleMatchesOnlyTheEnabledRules(t *testing.T) {
	cfg := demo(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "on.yaml"), []byte("name: On\nquery: leader\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "off.yaml"), []byte("name: Off\nquery: leader\nenabled: false\n"), 0o644)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), "rules_dir: "+rulesDir(t), "rules_dir: "+dir, 1)), 0o644)
	article := writeFile(t, "a.txt", "Leader killed\nThe leader was killed.\n")
	_, out, _ := runCmd(t, context.Background(), "test", "--config", cfg, article)
	if !strings.Contains(out, "MATCH     On") || strings.Contains(out, "Off") {
		t.Errorf("output:\n%s", out)
	}
}
