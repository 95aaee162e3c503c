package diag

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Nearest is the candidate a mistyped word most likely meant ("chanel" →
// "channel", "chek" → "check"): the one fewest edits away, case aside,
// when that is at most a third of the word's length (and at least one);
// "" when none is that close.
func Nearest(word string, candidates []string) string {
	w := strings.ToLower(word)
	limit := max(1, utf8.RuneCountInString(w)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := distance(w, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance, adjacent transpositions counting
// as one edit ("fedes" → "feeds").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

var notFoundRe = regexp.MustCompile(`field (\S+) not found in type (\S+)`)

// structKeys gathers the YAML keys of every struct type reachable from t,
// by type name ("config.Slack"), for "did you mean" on an unknown key.
func structKeys(t reflect.Type, into map[string][]string) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || into[t.String()] != nil {
		return
	}
	into[t.String()] = []string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name != "" {
			into[t.String()] = append(into[t.String()], name)
		}
		structKeys(f.Type, into)
	}
}

// indentErrors are what yaml.v3 says of a line indented wrong.
var indentErrors = []string{"mapping values are not allowed", "did not find expected key", "block sequence entries are not allowed",
	"did not find expected '-' indicator", "found character that cannot start any token", "could not find expected ':'"}

// indentHint places a YAML syntax error that indentation causes at the
// line's first character and says what is wrong: a tab, or an indent that
// does not line up with the line above.
func indentHint(p *Problem, data []byte) *Problem {
	lines := strings.Split(string(data), "\n")
	known := false
	for _, m := range indentErrors {
		known = known || strings.Contains(p.Msg, m)
	}
	if !known || p.Line < 1 || p.Line > len(lines) {
		return p
	}
	line := lines[p.Line-1]
	body := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(body)]
	if p.Col == 0 {
		p.Col = len(indent) + 1
	}
	if strings.Contains(indent, "\t") {
		p.Msg += " (this line is indented with a tab: YAML needs spaces)"
		return p
	}
	for i := p.Line - 2; i >= 0; i-- {
		prev := lines[i]
		if t := strings.TrimSpace(prev); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		above := len(prev) - len(strings.TrimLeft(prev, " "))
		if above != len(indent) {
			p.Msg += fmt.Sprintf(" (check the indentation: this line is indented %d spaces, the line above %d; the keys of one mapping line up)", len(indent), above)
		}
		break
	}
	return p
}
