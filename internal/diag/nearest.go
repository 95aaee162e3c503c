package diag

import (
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
