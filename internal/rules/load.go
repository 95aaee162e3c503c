// Package rules loads watch rules and lists from the rules directory,
// parses their query language and matches articles against them, saying
// why each match happened.
package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/text"

	"go.yaml.in/yaml/v3"

	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/diag"
)

// Rule is one watch rule, from one file.
type Rule struct {
	ID          string // file name without extension
	File        string
	Name        string
	Description string
	Query       string
	Feeds       []string // feed names, or "tag:NAME"; empty: every feed
	Channel     string   // empty: the default channel
	Mention     string   // Slack mention markup, from here only
	Digest      string   // cron schedule of the digest; empty: post each match at once
	Enabled     bool
	Tests       []Test
	FeedAt      []diag.Position // where each of Feeds is written in File

	query node
}

// Test is one example in a rule's tests: list.
type Test struct {
	Line   int    // line in the rule file
	File   string // resolved path of a plain-text article, or ""
	Title  string
	Text   string
	Expect string // "match" or "no_match"
}

// Set is every rule and list of a rules directory. It is read-only once
// loaded and safe for concurrent use.
type Set struct {
	Dir   string
	Rules []*Rule // sorted by ID
	Lists map[string][]string

	indexOnce sync.Once
	index     *index
}

type ruleFile struct {
	Name        string              `yaml:"name"`
	Description string              `yaml:"description"`
	Query       string              `yaml:"query"`
	Feeds       []string            `yaml:"feeds"`
	Channel     string              `yaml:"channel"`
	Mention     string              `yaml:"mention"`
	Digest      string              `yaml:"digest"`
	Enabled     *bool               `yaml:"enabled"`
	Tests       []testSpec          `yaml:"tests"`
	Lists       map[string][]string `yaml:"lists"`
}

type testSpec struct {
	File   string `yaml:"file"`
	Title  string `yaml:"title"`
	Text   string `yaml:"text"`
	Expect string `yaml:"expect"`
}

type parsedFile struct {
	path  string
	data  []byte
	root  *yaml.Node
	spec  ruleFile
	lines []string
}

var (
	listNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	mentionRe  = regexp.MustCompile(`^(here|channel|everyone|<@[UW][A-Z0-9]+>|<!subteam\^[A-Z0-9]+(\|[^<>]*)?>)$`)
)

// LoadDir reads every *.yaml / *.yml file directly in dir. It returns every
// problem found, each with file:line:col, as diag.Problems.
func LoadDir(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read rules directory: %w", err)
	}
	var problems diag.Problems
	var files []*parsedFile
	for _, e := range entries {
		if e.IsDir() || !IsRuleFile(e.Name()) {
			continue
		}
		f, err := readRuleFile(filepath.Join(dir, e.Name()))
		if err != nil {
			problems = append(problems, diag.List(filepath.Join(dir, e.Name()), err)...)
		}
		if f != nil { // with problems of its values, still checked for the rest
			files = append(files, f)
		}
	}

	set := &Set{Dir: dir, Lists: map[string][]string{}}
	listFile := map[string]string{}
	for _, f := range files {
		if f.spec.Lists == nil {
			continue
		}
		problems = append(problems, set.addLists(f, listFile)...)
	}
	ids := map[string]string{}
	for _, f := range files {
		if f.spec.Lists != nil {
			continue
		}
		r, ps := set.compileRule(f)
		problems = append(problems, ps...)
		if r == nil {
			continue
		}
		if other, dup := ids[r.ID]; dup {
			problems = append(problems, &diag.Problem{File: f.path, Line: 1, Col: 1, Msg: fmt.Sprintf("rule id %q is also used by %s; rename one file", r.ID, other)})
			continue
		}
		ids[r.ID] = f.path
		set.Rules = append(set.Rules, r)
	}
	sort.Slice(set.Rules, func(i, j int) bool { return set.Rules[i].ID < set.Rules[j].ID })
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	if len(problems) > 0 {
		return set, problems
	}
	return set, nil
}

func readRuleFile(path string) (*parsedFile, error) {
	data, err := diag.ReadFile(path, MaxRuleBytes)
	if err != nil {
		return nil, &diag.Problem{File: path, Msg: fmt.Sprintf("cannot read it: %v (a rule file is a regular file of at most 1 MiB)", diag.Cause(err))}
	}
	f := &parsedFile{path: path, data: data, lines: strings.Split(string(data), "\n")}
	root, decodeErr := diag.DecodeStrict(path, data, &f.spec)
	if root == nil {
		return nil, hintAt(decodeErr, f.lines)
	}
	f.root = root
	ps := diag.List(path, decodeErr) // values that did not decode: the file is still checked for the rest
	var wrong *diag.Problem
	switch {
	case f.spec.Lists != nil && f.spec.Query != "":
		wrong = &diag.Problem{File: path, Line: 1, Col: 1, Msg: "a file is either a rule (query:) or a lists file (lists:), not both"}
	case f.spec.Lists == nil && strings.TrimSpace(f.spec.Query) == "":
		// at an empty query: where it is written; at 1:1 when there is none
		wrong = diag.At(path, root, "query", "a rule needs a query (a lists file has lists: instead)")
	case f.spec.Lists != nil && (f.spec.Name != "" || len(f.spec.Tests) > 0 || f.spec.Channel != "" || f.spec.Feeds != nil):
		wrong = diag.At(path, root, "lists", "a lists file holds only lists:")
	}
	if wrong != nil {
		return nil, append(ps, wrong)
	}
	return f, ps.Err()
}

func (s *Set) addLists(f *parsedFile, listFile map[string]string) diag.Problems {
	var ps diag.Problems
	names := make([]string, 0, len(f.spec.Lists))
	for name := range f.spec.Lists {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		entries := f.spec.Lists[name]
		path := "lists." + name
		switch {
		case !listNameRe.MatchString(name):
			ps = append(ps, diag.At(f.path, f.root, path, "a list name may hold only letters, digits, '_' and '-'"))
		case listFile[name] != "":
			ps = append(ps, diag.At(f.path, f.root, path, "list is also defined in "+listFile[name]))
		case len(entries) > MaxListLen:
			ps = append(ps, diag.At(f.path, f.root, path, fmt.Sprintf("list has %d entries; the limit is %d", len(entries), MaxListLen)))
		default:
			bad := false
			for i, e := range entries {
				if msg := checkListEntry(e); msg != "" {
					ps = append(ps, diag.At(f.path, f.root, fmt.Sprintf("%s[%d]", path, i), msg))
					bad = true
				}
			}
			if !bad {
				s.Lists[name] = entries
				listFile[name] = f.path
			}
		}
	}
	return ps
}

func checkListEntry(e string) string {
	t := strings.TrimPrefix(e, "case:")
	prefix := strings.HasSuffix(t, "*")
	t = strings.TrimSuffix(t, "*")
	toks := text.Tokenize(t)
	switch {
	case len(toks) == 0:
		return fmt.Sprintf("entry %q has no letters or digits to match", e)
	case strings.Contains(t, "*"):
		return fmt.Sprintf("entry %q: '*' is allowed only at the end", e)
	case prefix && len([]rune(toks[len(toks)-1].Norm)) < 3:
		return fmt.Sprintf("entry %q: a wildcard needs at least 3 characters before '*'", e)
	}
	return ""
}

func (s *Set) compileRule(f *parsedFile) (*Rule, diag.Problems) {
	base := filepath.Base(f.path)
	r := &Rule{
		ID:          strings.TrimSuffix(base, filepath.Ext(base)),
		File:        f.path,
		Name:        strings.TrimSpace(f.spec.Name),
		Description: f.spec.Description,
		Query:       f.spec.Query,
		Feeds:       f.spec.Feeds,
		Channel:     f.spec.Channel,
		Enabled:     f.spec.Enabled == nil || *f.spec.Enabled,
	}
	if r.Name == "" {
		r.Name = r.ID
	}
	var ps diag.Problems
	q, err := parseQuery(f.spec.Query, s.Lists)
	if qes, ok := err.(QueryErrors); ok {
		for _, qe := range qes {
			ps = append(ps, f.queryProblem(qe))
		}
	}
	r.query = q
	if r.Channel != "" && !article.IsChannel(r.Channel) {
		ps = append(ps, diag.At(f.path, f.root, "channel", fmt.Sprintf("%q is not a channel: use #name (lower case) or a channel ID such as C0123456789", r.Channel)))
	}
	if m := f.spec.Mention; m != "" {
		if !mentionRe.MatchString(m) {
			ps = append(ps, diag.At(f.path, f.root, "mention", fmt.Sprintf("%q is not a mention: use here, channel, <@U…> or <!subteam^…>", m)))
		}
		switch m {
		case "here", "channel", "everyone":
			r.Mention = "<!" + m + ">"
		default:
			r.Mention = m
		}
	}
	if f.spec.Digest != "" {
		if _, err := cronspec.Parse(f.spec.Digest); err != nil {
			ps = append(ps, diag.At(f.path, f.root, "digest", err.Error()))
		}
		r.Digest = f.spec.Digest
	}
	for i, fd := range r.Feeds {
		n := diag.Locate(f.root, fmt.Sprintf("feeds[%d]", i))
		r.FeedAt = append(r.FeedAt, diag.Position{Line: n.Line, Col: n.Column})
		if strings.TrimSpace(strings.TrimPrefix(fd, "tag:")) == "" {
			ps = append(ps, diag.At(f.path, f.root, fmt.Sprintf("feeds[%d]", i), "empty feed name"))
		}
	}
	r.Tests, ps = f.tests(ps)
	if len(ps) > 0 {
		return nil, ps
	}
	return r, nil
}

// tests reads the rule's tests:, adding their problems to ps.
func (f *parsedFile) tests(ps diag.Problems) ([]Test, diag.Problems) {
	var tests []Test
	for i, t := range f.spec.Tests {
		path := fmt.Sprintf("tests[%d]", i)
		n := diag.Locate(f.root, path)
		test := Test{Line: n.Line, Title: t.Title, Text: t.Text, Expect: t.Expect}
		if t.File != "" {
			test.File = filepath.Join(filepath.Dir(f.path), t.File)
		}
		switch {
		case t.Expect != "match" && t.Expect != "no_match":
			ps = append(ps, diag.At(f.path, f.root, path+".expect", fmt.Sprintf("expect must be match or no_match, not %q", t.Expect)))
		case t.File == "" && t.Title == "" && t.Text == "":
			ps = append(ps, diag.At(f.path, f.root, path, "a test needs file: or title:/text:"))
		case t.File != "" && (t.Title != "" || t.Text != ""):
			ps = append(ps, diag.At(f.path, f.root, path, "a test has either file: or title:/text:, not both"))
		}
		tests = append(tests, test)
	}
	return tests, ps
}

// queryProblem places a query error at its line and column in the file,
// with the source line for a caret.
func (f *parsedFile) queryProblem(e *QueryError) *diag.Problem {
	p := &diag.Problem{File: f.path, Msg: "query: " + e.Msg}
	n := diag.Locate(f.root, "query")
	if n == nil {
		return p
	}
	p.Line, p.Col = n.Line, n.Column
	line, col, ok := diag.LocateInScalar(n, f.lines, f.spec.Query, e.Offset)
	if ok {
		p.Line, p.Col = line, col
	}
	if e.Opened > 0 { // the "(" it speaks of, where the file has it
		if l, c, ok := diag.LocateInScalar(n, f.lines, f.spec.Query, e.Opened-1); ok {
			p.Msg = strings.Replace(p.Msg, fmt.Sprintf("at column %d", e.Opened), fmt.Sprintf("at line %d, column %d", l, c), 1)
		}
	}
	if p.Line-1 < len(f.lines) {
		p.Source = strings.TrimRight(f.lines[p.Line-1], "\r")
	}
	return p
}

// ParseRuleFile reads and compiles one rule file against the set's lists,
// wherever the file is: to try a draft before it goes into the rules
// directory. Problems come as diag.Problems.
func (s *Set) ParseRuleFile(path string) (*Rule, error) {
	f, err := readRuleFile(path)
	if err != nil {
		return nil, err
	}
	if f.spec.Lists != nil {
		return nil, &diag.Problem{File: path, Line: 1, Col: 1, Msg: "this is a lists file, not a rule"}
	}
	r, ps := s.compileRule(f)
	if len(ps) > 0 {
		return nil, ps
	}
	return r, nil
}

// QueryRule compiles a bare query against the set's lists, as a rule
// named by the query itself. A problem comes as QueryErrors.
func (s *Set) QueryRule(q string) (*Rule, error) {
	n, err := parseQuery(q, s.Lists)
	if err != nil {
		return nil, err
	}
	return &Rule{ID: "query", Name: q, Query: q, Enabled: true, query: n}, nil
}

// FileModel is a rule or lists file as decoded, for the JSON Schema
// (internal/schema) made from it.
func FileModel() any { return ruleFile{} }
