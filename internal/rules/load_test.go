package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/diag"
)

func writeRules(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func problems(t *testing.T, err error) diag.Problems {
	t.Helper()
	var ps diag.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want diag.Problems", err)
	}
	return ps
}

const lists = "lists:\n  anbar: [Anbar, Ramadi]\n"

func TestTheShippedExampleRulesLoadAndPassTheirTests(t *testing.T) {
	set, err := LoadDir(filepath.Join("..", "..", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != 2 {
		t.Fatalf("loaded %d rules, want the 2 examples", len(set.Rules))
	}
	if ps := set.RunTests(); len(ps) > 0 {
		t.Fatal(ps)
	}
	// The English word "is" must not fire the IS leadership rule.
	a := article.Article{Title: "The leader is dead, the club is sad", Content: "The club's leader is dead after a long illness. He was named coach in 2019."}
	for _, m := range set.Match(&a) {
		t.Errorf("rule %q matched an article where IS is only the verb", m.RuleName)
	}
}

func TestAQueryErrorInAFoldedBlockPointsAtItsLineAndColumn(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"lists.yaml": lists,
		"coalition-anbar.yaml": `name: Coalition in Anbar
description: test
query: >
  (coalition OR "U.S.-led") NEAR/15 )
  AND @anbar
`,
	})
	_, err := LoadDir(dir)
	ps := problems(t, err)
	if len(ps) != 1 {
		t.Fatalf("got %d problems: %v", len(ps), ps)
	}
	want := filepath.Join(dir, "coalition-anbar.yaml") + `:4:37: query: expected a word or "(" after NEAR/15, found ")"
      (coalition OR "U.S.-led") NEAR/15 )
                                        ^`
	if got := ps[0].Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestAQueryErrorOnAPlainLinePointsAtItsColumn(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"a.yaml": "name: A\nquery: leader AND (killed OR\n",
		"b.yaml": "query: \"leader AND @nosuch\"\n",
	})
	_, err := LoadDir(dir)
	ps := problems(t, err)
	if len(ps) != 2 {
		t.Fatalf("want one problem per file, got %v", ps)
	}
	if ps[0].Line != 2 || ps[0].Col != 29 || !strings.Contains(ps[0].Msg, "end of query") {
		t.Errorf("a.yaml: got %d:%d %q", ps[0].Line, ps[0].Col, ps[0].Msg)
	}
	if ps[1].Line != 1 || ps[1].Col != 20 || !strings.Contains(ps[1].Msg, "unknown list @nosuch") {
		t.Errorf("b.yaml: got %d:%d %q", ps[1].Line, ps[1].Col, ps[1].Msg)
	}
}

func TestRuleFileProblemsAreAllReportedWithTheirLines(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"lists.yaml":   "lists:\n  bad name: [x]\n  empty: [\"--\"]\n",
		"unknown.yaml": "name: X\nquery: leader\nchanel: \"#x\"\n",
		"channel.yaml": "query: leader\nchannel: news\nmention: everybody\n",
		"tests.yaml":   "query: leader\ntests:\n  - title: x\n    expect: maybe\n",
		"both.yaml":    "query: leader\nlists:\n  x: [y]\n",
		"neither.yaml": "name: nothing\n",
		"syntax.yaml":  "query: [unclosed\n",
		"notes.txt":    "not a rule file",
	})
	_, err := LoadDir(dir)
	ps := problems(t, err)
	want := []string{
		"both.yaml:1:1: a file is either a rule",
		"channel.yaml:2:10: channel: \"news\" is not a channel",
		"channel.yaml:3:10: mention: \"everybody\" is not a mention",
		"lists.yaml:2:13: lists.bad name: a list name may hold only",
		"lists.yaml:3:11: lists.empty[0]: entry \"--\" has no letters or digits",
		"neither.yaml:1:1: query: a rule needs a query",
		"syntax.yaml:",
		"tests.yaml:4:13: tests[0].expect: expect must be match or no_match",
		"unknown.yaml:3:1: unknown key chanel",
	}
	var got []string
	for _, p := range ps {
		got = append(got, strings.TrimPrefix(p.Error(), dir+string(filepath.Separator)))
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

func TestAFailingRuleTestNamesTheRuleFileAndTest(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"leader.yaml": `query: leader AND killed
tests:
  - title: Leader killed
    expect: match
  - title: Leader captured
    expect: match
  - file: testdata/killed.txt
    expect: no_match
`,
		"testdata/killed.txt": "Leader killed in raid\n\nThe leader was killed on Friday.\n",
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ps := set.RunTests()
	if len(ps) != 2 {
		t.Fatalf("got %v, want 2 failing tests", ps)
	}
	if ps[0].Line != 5 || !strings.Contains(ps[0].Msg, `tests[1] ("Leader captured"): did not match, expected match`) {
		t.Errorf("got %s", ps[0])
	}
	if ps[1].Line != 7 || !strings.Contains(ps[1].Msg, "killed.txt): matched, expected no_match") {
		t.Errorf("got %s", ps[1])
	}
}

func TestARuleFileOverOneMiBIsRefused(t *testing.T) {
	dir := writeRules(t, map[string]string{"big.yaml": "query: leader\n# " + strings.Repeat("x", MaxRuleBytes) + "\n"})
	_, err := LoadDir(dir)
	ps := problems(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "larger than 1048576 bytes") {
		t.Errorf("got %v", ps)
	}
}

func TestSpecialFilesInTheRulesFolderAreProblemsNotHangs(t *testing.T) {
	dir := writeRules(t, map[string]string{"ok.yaml": "query: leader\n"})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadDir(dir); done <- err }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("LoadDir hung on a FIFO or a device")
	}
	ps := problems(t, err)
	var msgs []string
	for _, p := range ps {
		msgs = append(msgs, p.Error())
	}
	all := strings.Join(msgs, "\n")
	if len(ps) != 2 || !strings.Contains(all, "pipe.yaml: cannot read it: it is a FIFO") || !strings.Contains(all, "zero.yaml: cannot read it: it is a character device") {
		t.Errorf("problems:\n%s", all)
	}
}

func TestRulesOnlyWatchTheirFeeds(t *testing.T) {
	dir := writeRules(t, map[string]string{"r.yaml": "query: leader\nfeeds: [\"tag:defense\", Military.com]\n"})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a    article.Article
		want int
	}{
		{article.Article{Feed: "Military.com", Title: "leader"}, 1},
		{article.Article{Feed: "Other", FeedTags: []string{"Defense"}, Title: "leader"}, 1},
		{article.Article{Feed: "BBC", FeedTags: []string{"world"}, Title: "leader"}, 0},
	} {
		if got := len(set.Match(&c.a)); got != c.want {
			t.Errorf("feed %q tags %v: %d matches, want %d", c.a.Feed, c.a.FeedTags, got, c.want)
		}
	}
}

func TestDigestSchedulesAreValidated(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"good.yaml": "query: leader\ndigest: \"0 8 * * *\"\n",
		"bad.yaml":  "query: leader\ndigest: \"CRON_TZ=UTC\"\n",
	})
	set, err := LoadDir(dir)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Msg, `digest: invalid schedule "CRON_TZ=UTC"`) {
		t.Errorf("got %v", ps)
	}
	if len(set.Rules) != 1 || set.Rules[0].Digest != "0 8 * * *" {
		t.Errorf("good rule = %+v", set.Rules)
	}
}

func TestLikelyMistakesAreWarnings(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"a.yaml": "name: Leaders\nquery: leader and killed\n",
		"b.yaml": "name: leaders\nquery: ISIS NAER/10 leader\n",
		"c.yaml": "name: Fine\nquery: leader AND (killed OR captured) NEAR/5 Anbar\n",
		"D.YAML": "name: Ignored\nquery: x\n",
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(set.Warnings(), "\n")
	for _, want := range []string{
		`a.yaml: query: "and" is matched as a word here; operators are upper case (AND)`,
		`b.yaml: query: "NAER/10" is matched as a word; did you mean NEAR/n`,
		`rule name "leaders" is also the name of`,
		`D.YAML: ignored: only files ending in .yaml or .yml`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "c.yaml") {
		t.Errorf("a correct rule was warned about:\n%s", all)
	}
}

func TestAnUnquotedQueryStartingWithAListGetsAHint(t *testing.T) {
	dir := writeRules(t, map[string]string{"x.yaml": "name: X\nquery: @anbar AND raid\n"})
	_, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), `a query that starts with @ must be quoted`) {
		t.Errorf("got %v", err)
	}
}

func TestAnUnclosedParenthesisInAFoldedQueryIsPlacedAtItsEnd(t *testing.T) {
	dir := writeRules(t, map[string]string{"m.yaml": "name: M\nquery: >\n  (coalition OR \"U.S.-led\") NEAR/20 (operation\n  OR raid\ntests: []\n"})
	_, err := LoadDir(dir)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Line != 4 || ps[0].Col != 10 || !strings.Contains(ps[0].Error(), "OR raid\n             ^") {
		t.Errorf("got %v", ps)
	}
}

func TestAFieldPrefixWithNothingAfterItIsOneError(t *testing.T) {
	for _, q := range []string{"leader AND title:", "title: leader", "leader title:"} {
		_, err := parseQuery(q, nil)
		var qes QueryErrors
		if !errors.As(err, &qes) || len(qes) != 1 || !strings.Contains(qes[0].Msg, "title: needs a term right after it") {
			t.Errorf("%q: %v, want one error about title: with nothing after it", q, err)
		}
	}
}

// TestProblemsSayWhatToWriteAndWhere: an empty query is placed at it, an
// unclosed "(" names the line and column of the "(" in the file, a
// quoted boolean says to drop the quotes, and an unknown key says which
// was meant.
func TestProblemsSayWhatToWriteAndWhere(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"empty.yaml":  "name: Empty\nquery: \"\"\n",
		"paren.yaml":  "name: Paren\nquery: >\n  (Iraq OR Syria)\n  AND (leader OR emir\n  AND killed\n",
		"quoted.yaml": "name: Quoted\nenabled: \"false\"\nquery: Iraq\n",
		"typo.yaml":   "name: Typo\nquery: Iraq\nchanel: \"#x\"\nfeed: [Wire]\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	_, err := LoadDir(dir)
	got := ""
	if err != nil {
		got = err.Error()
	}
	for _, want := range []string{
		"empty.yaml:2:8: query: a rule needs a query",
		`paren.yaml:5:13: query: expected ")" to close the "(" at line 4, column 7, found end of query`,
		`quoted.yaml:2:10: enabled: expected true or false, got the text "false" (write it without quotes)`,
		"typo.yaml:3:1: unknown key chanel (did you mean channel?)",
		"typo.yaml:4:1: unknown key feed (did you mean feeds?)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
