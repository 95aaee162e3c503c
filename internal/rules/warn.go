package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// Warnings are likely mistakes that are not errors: a rule that loads but
// probably does not say what its editor meant. check prints them; they
// stop nothing.
func (s *Set) Warnings() []string {
	var out []string
	names := map[string]string{}
	for _, r := range s.Rules {
		if other, ok := names[strings.ToLower(r.Name)]; ok {
			out = append(out, fmt.Sprintf("%s: rule name %q is also the name of %s: Slack posts will not tell them apart", r.File, r.Name, other))
		}
		names[strings.ToLower(r.Name)] = r.File
		out = append(out, queryWarnings(r)...)
	}
	entries, _ := os.ReadDir(s.Dir)
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && !IsRuleFile(e.Name()) && (strings.EqualFold(ext, ".yaml") || strings.EqualFold(ext, ".yml")) && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, fmt.Sprintf("%s: ignored: only files ending in .yaml or .yml (lower case) are read", filepath.Join(s.Dir, e.Name())))
		}
	}
	return out
}

// lookAlike is a word that was probably meant as NEAR or ONEAR.
var lookAlike = regexp.MustCompile(`(?i)^(naer|nera|neer|nier|onaer|oneer|near|onear)(/?\d+)?$`)

// queryWarnings finds words that look like operators but are words: a
// lower-case and/or/not/near between terms (operators are upper case), or
// a misspelt NEAR/n.
func queryWarnings(r *Rule) []string {
	items, _ := lex(r.Query)
	var out []string
	for i, it := range items {
		if it.kind != itemWord || i == 0 || i+1 >= len(items) || items[i+1].kind == itemEOF {
			continue
		}
		w := it.text
		switch {
		case w == "and" || w == "or" || w == "not" || w == "near":
			out = append(out, fmt.Sprintf("%s: query: %q is matched as a word here; operators are upper case (%s)", r.File, w, strings.ToUpper(w)))
		case lookAlike.MatchString(w):
			out = append(out, fmt.Sprintf("%s: query: %q is matched as a word; did you mean NEAR/n or ONEAR/n (such as NEAR/10)?", r.File, w))
		}
	}
	return out
}

// hintAt adds to a YAML problem what usually causes it: a query that
// starts with @ or a quote must itself be quoted (@ cannot start a YAML
// value).
func hintAt(err error, lines []string) error {
	ps := diag.List("", err)
	for _, p := range ps {
		if p.Line < 1 || p.Line > len(lines) {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines[p.Line-1]), "query:"); ok && strings.HasPrefix(strings.TrimSpace(v), "@") {
			p.Msg += ` (a query that starts with @ must be quoted: query: "@list AND …")`
		}
	}
	return ps
}
