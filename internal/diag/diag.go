// Package diag reports problems in user files (config, rules) with their
// position, and decodes YAML strictly so that every problem has one. It is
// a leaf: it imports nothing of feedwatch.
package diag

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong at a place in a file. Line and Col are
// 1-based; 0 means unknown. Source, when set, is the offending line, shown
// with a caret under Col.
type Problem struct {
	File      string
	Line, Col int
	Msg       string
	Source    string
}

func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(Clip(p.Msg, 500))
	if p.Source != "" && p.Col > 0 {
		src, col := around(strings.ReplaceAll(p.Source, "\t", " "), p.Col-1)
		fmt.Fprintf(&b, "\n    %s\n    %s^", src, caretPad(src, col))
	}
	return b.String()
}

// sourceWidth is how much of a source line a problem shows around its
// column.
const sourceWidth = 120

// around returns at most sourceWidth bytes of src around byte column col,
// marked "…" where cut, and col within the result.
func around(src string, col int) (string, int) {
	if len(src) <= sourceWidth {
		return src, col
	}
	col = min(max(col, 0), len(src))
	from := max(col-sourceWidth/2, 0)
	for from > 0 && !utf8.RuneStart(src[from]) {
		from--
	}
	to := min(from+sourceWidth, len(src))
	for to < len(src) && !utf8.RuneStart(src[to]) {
		to--
	}
	out, col := src[from:to], col-from
	if from > 0 {
		out, col = "…"+out, col+len("…")
	}
	if to < len(src) {
		out += "…"
	}
	return out, col
}

// Clip shortens a string that came from a user or a feed for a log line
// or an error: at most n bytes, then "… (N bytes)".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// caretPad is the white space that puts a caret under byte column col of
// src, counting characters, not bytes.
func caretPad(src string, col int) string {
	if col > len(src) {
		col = len(src)
	}
	return strings.Repeat(" ", len([]rune(src[:col])))
}

// Position is a place in a file; 1-based, 0 for unknown.
type Position struct{ Line, Col int }

// Problems is every problem found, in file order.
type Problems []*Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Lines gives the problems' first lines (file:line:col: message), without
// the source and caret: for one log record or a notice.
func (ps Problems) Lines() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i], _, _ = strings.Cut(p.Error(), "\n")
	}
	return out
}

// Err returns ps as an error, or nil when there is none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// List flattens err into problems: Problems, a *Problem, or any other
// error as a problem in file without position.
func List(file string, err error) Problems {
	var ps Problems
	var p *Problem
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ps):
		return ps
	case errors.As(err, &p):
		return Problems{p}
	}
	return Problems{{File: file, Msg: err.Error()}}
}

var lineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+)(?:, column (\d+))?: (.*)$`)

// DecodeStrict decodes YAML data into v, rejecting unknown keys, and
// returns the document node for locating later problems. Every decoding
// error becomes a Problem with its line, column and field. When the
// document parses but some values do not fit (unknown keys, wrong types),
// it returns the node as well as the problems, with v decoded as far as it
// could be, so that the caller can go on and report the rest at once.
func DecodeStrict(file string, data []byte, v any) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{indentHint(yamlProblem(file, strings.TrimPrefix(err.Error(), "yaml: ")), data)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || err.Error() == "EOF" {
		return &root, nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var ps Problems
		keys := map[string][]string{}
		structKeys(reflect.TypeOf(v), keys)
		for _, e := range te.Errors {
			p := placed(yamlProblem(file, e), &root)
			if m := notFoundRe.FindStringSubmatch(e); m != nil {
				if near := Nearest(m[1], keys[m[2]]); near != "" {
					p.Msg += fmt.Sprintf(" (did you mean %s?)", near)
				}
			}
			ps = append(ps, p)
		}
		return &root, ps
	}
	return nil, Problems{yamlProblem(file, strings.TrimPrefix(err.Error(), "yaml: "))}
}

var unmarshalRe = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `([^`]*)`)? into (\\S+)")

// placed adds the field and column to a problem yaml.v3 gave a line only,
// and says a wrong type in words.
func placed(p *Problem, root *yaml.Node) *Problem {
	path, keyCol, valCol := keyAt(root, p.Line, "")
	col := valCol
	if strings.HasPrefix(p.Msg, "unknown key") {
		col = keyCol
	}
	if m := unmarshalRe.FindStringSubmatch(p.Msg); m != nil {
		got := map[string]string{"seq": "a list", "map": "a mapping", "str": "text", "int": "a number", "bool": "true or false", "float": "a number", "null": "nothing"}[m[1]]
		if m[2] != "" {
			got = fmt.Sprintf("%q", m[2])
		}
		elem, list := strings.CutPrefix(m[3], "[]")
		want := map[string]string{"string": "text", "int": "a whole number", "int64": "a whole number", "bool": "true or false", "float64": "a number"}[elem]
		if want == "" {
			want = "a " + elem
		}
		switch {
		case list && m[1] != "seq": // tags: defense
			want = fmt.Sprintf("a list (write [%s])", cmp.Or(m[2], "…"))
		case list:
			want = "a list of " + strings.TrimPrefix(want, "a ")
		case m[1] == "str" && (elem == "bool" || elem == "int" || elem == "float64"): // enabled: "false"
			got = fmt.Sprintf("the text %q (write it without quotes)", m[2])
		}
		p.Msg = fmt.Sprintf("expected %s, got %s", want, got)
	}
	if path != "" && !strings.HasPrefix(p.Msg, "unknown key") {
		p.Msg = path + ": " + p.Msg
	}
	if p.Col == 0 {
		p.Col = col
	}
	return p
}

// keyAt finds the key on line (or whose value starts there): its path and
// the columns of the key and of the value.
func keyAt(n *yaml.Node, line int, prefix string) (string, int, int) {
	if n == nil {
		return "", 0, 0
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, kc, vc := keyAt(c, line, prefix); p != "" {
				return p, kc, vc
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := strings.TrimPrefix(prefix+"."+k.Value, ".")
			if k.Line == line || v.Line == line && v.Kind == yaml.ScalarNode {
				return path, k.Column, v.Column
			}
			if p, kc, vc := keyAt(v, line, path); p != "" {
				return p, kc, vc
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, kc, vc := keyAt(c, line, fmt.Sprintf("%s[%d]", prefix, i)); p != "" {
				return p, kc, vc
			}
		}
	}
	return "", 0, 0
}

func yamlProblem(file, msg string) *Problem {
	p := &Problem{File: file, Msg: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			p.Col, _ = strconv.Atoi(m[2])
		}
		p.Msg = m[3]
	}
	// "field chanel not found in type config.Slack" → "unknown key chanel"
	if field, _, ok := strings.Cut(p.Msg, " not found in type "); ok {
		p.Msg = "unknown key " + strings.TrimPrefix(field, "field ")
	}
	return p
}

// Locate finds the node at a path such as "feeds[2].url" under a decoded
// document; it returns the deepest node found on the way, so a problem
// about a missing key points at its parent.
func Locate(root *yaml.Node, path string) *yaml.Node {
	n := root
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, part := range splitPath(path) {
		next := child(n, part)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// Has reports whether the document sets the key at path.
func Has(root *yaml.Node, path string) bool {
	if root == nil {
		return false
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, part := range splitPath(path) {
		if n = child(n, part); n == nil {
			return false
		}
	}
	return true
}

func child(n *yaml.Node, part string) *yaml.Node {
	if i, err := strconv.Atoi(part); err == nil {
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			return n.Content[i]
		}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == part {
			return n.Content[i+1]
		}
	}
	return nil
}

func splitPath(path string) []string {
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	var parts []string
	for _, p := range strings.Split(path, ".") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// At is a problem located at the node for path.
func At(file string, root *yaml.Node, path, msg string) *Problem {
	p := &Problem{File: file, Msg: path + ": " + msg}
	if n := Locate(root, path); n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	return p
}

// LocateInScalar maps a byte offset in the value of scalar node n to a
// line and column of the file, by walking the source lines the value was
// read from. It gives up (ok false) where escapes make the text differ.
func LocateInScalar(n *yaml.Node, lines []string, value string, off int) (line, col int, ok bool) {
	// "at the end of the query" is after its last word, not on the line
	// of the next key, where a block scalar's final line break leads.
	off = min(off, len(strings.TrimRight(value, " \n")))
	li, startCol := n.Line-1, n.Column-1
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		li, startCol = n.Line, 0
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		startCol++
	}
	cur := 0
	for ; li < len(lines); li, startCol = li+1, 0 {
		raw := strings.TrimRight(lines[li], "\r")
		if startCol > len(raw) {
			continue
		}
		seg := raw[startCol:]
		indent := len(seg) - len(strings.TrimLeft(seg, " \t"))
		seg = seg[indent:]
		for cur < len(value) && (value[cur] == ' ' || value[cur] == '\n') && (len(seg) == 0 || value[cur] != seg[0]) {
			if off == cur {
				break
			}
			cur++
		}
		k := 0
		for k < len(seg) && cur+k < len(value) && seg[k] == value[cur+k] {
			k++
		}
		if off >= cur && off <= cur+k && (k > 0 || off == len(value)) {
			return li + 1, startCol + indent + (off - cur) + 1, true
		}
		if k == 0 && len(seg) > 0 {
			return 0, 0, false
		}
		cur += k
		if cur >= len(value) {
			break
		}
	}
	return 0, 0, false
}
