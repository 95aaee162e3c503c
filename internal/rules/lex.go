package rules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a query, so that no rule file can make parsing or matching
// unbounded (README, "The query language").
const (
	MaxQueryLen  = 10000
	MaxDepth     = 32
	MaxListLen   = 10000
	MaxRuleBytes = 1 << 20
	// DefaultNear is the distance NEAR means without /n.
	DefaultNear = 10
	maxNear     = 1000
)

type itemKind int

const (
	itemEOF itemKind = iota
	itemWord
	itemPhrase
	itemRegex
	itemList
	itemPrefix // field: or case:
	itemLParen
	itemRParen
	itemAnd
	itemOr
	itemNot
	itemMinus
	itemNear
	itemBad // something the lexer already reported: a term that stands for nothing
)

type item struct {
	kind    itemKind
	pos     int    // byte offset in the query
	text    string // as written
	val     string // unquoted value, list name, prefix name, regex source
	n       int    // NEAR distance
	ordered bool   // ONEAR
}

func (it item) describe() string {
	switch it.kind {
	case itemEOF:
		return "end of query"
	case itemWord:
		return fmt.Sprintf("word %q", it.text)
	case itemPhrase:
		return "phrase " + it.text
	default:
		return fmt.Sprintf("%q", it.text)
	}
}

// QueryErrors is every problem found in one query, in order.
type QueryErrors []*QueryError

func (es QueryErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = fmt.Sprintf("%d: %s", e.Offset+1, e.Msg)
	}
	return strings.Join(msgs, "; ")
}

// QueryError is a problem at a byte offset of a query.
type QueryError struct {
	Offset int
	Msg    string
	Opened int // for an unclosed "(": its offset + 1, named "at column N" in Msg; 0 otherwise
}

func (e *QueryError) Error() string { return e.Msg }

var knownPrefixes = map[string]bool{
	"title": true, "summary": true, "content": true, "author": true, "category": true,
	"url": true, "site": true, "feed": true, "tag": true, "case": true,
}

// lex splits a query into items. It reports every problem it meets and
// goes on, so that one pass finds them all.
func lex(q string) ([]item, []*QueryError) {
	l := &lexer{q: q}
	for l.i < len(q) {
		r, sz := utf8.DecodeRuneInString(q[l.i:])
		switch {
		case unicode.IsSpace(r):
			l.i += sz
		case r == '(':
			l.emit(item{kind: itemLParen, pos: l.i, text: "("})
		case r == ')':
			l.emit(item{kind: itemRParen, pos: l.i, text: ")"})
		case r == '"' || r == '“' || r == '”':
			l.phrase(sz)
		case r == '/':
			l.regex()
		case r == '-' && l.i+1 < len(q) && startsTerm(q[l.i+1:]):
			l.emit(item{kind: itemMinus, pos: l.i, text: "-"})
		case r == '@':
			l.list()
		default:
			l.word()
		}
	}
	l.items = append(l.items, item{kind: itemEOF, pos: len(q)})
	return l.items, l.errs
}

// lexer is lex's state: the query, the position and what it found.
type lexer struct {
	q     string
	i     int
	items []item
	errs  []*QueryError
}

func (l *lexer) fail(pos int, msg string) {
	l.errs = append(l.errs, &QueryError{Offset: pos, Msg: msg})
}

// emit adds it and moves past its text.
func (l *lexer) emit(it item) {
	l.items = append(l.items, it)
	l.i = it.pos + len(it.text)
}

// phrase reads a quoted phrase; sz is the size of its opening quote.
func (l *lexer) phrase(sz int) {
	q, i := l.q, l.i
	end := strings.IndexAny(q[i+sz:], "\"“”")
	if end < 0 {
		l.fail(i, `unterminated phrase: missing closing '"'`)
		end = len(q) - i - sz
	}
	val := q[i+sz : i+sz+end]
	text := q[i : i+sz+end]
	if i+sz+end < len(q) {
		_, csz := utf8.DecodeRuneInString(q[i+sz+end:])
		text = q[i : i+sz+end+csz]
	}
	if strings.TrimSpace(val) == "" {
		l.fail(i, "empty phrase")
		l.i += len(text)
		return
	}
	l.emit(item{kind: itemPhrase, pos: i, text: text, val: val})
}

// regex reads /…/, where \/ stands for a slash.
func (l *lexer) regex() {
	q, i := l.q, l.i
	j := i + 1
	var src strings.Builder
	for ; j < len(q); j++ {
		if q[j] == '\\' && j+1 < len(q) && q[j+1] == '/' {
			src.WriteByte('/')
			j++
			continue
		}
		if q[j] == '/' {
			break
		}
		src.WriteByte(q[j])
	}
	if j >= len(q) {
		l.fail(i, "unterminated regular expression: missing closing '/'")
		l.i = len(q)
		return
	}
	l.emit(item{kind: itemRegex, pos: i, text: q[i : j+1], val: src.String()})
}

// list reads @name.
func (l *lexer) list() {
	q, i := l.q, l.i
	j := i + 1
	for j < len(q) && isListNameByte(q[j]) {
		j++
	}
	if j == i+1 {
		l.fail(i, "expected a list name after '@'")
		l.i++
		return
	}
	l.emit(item{kind: itemList, pos: i, text: q[i:j], val: q[i+1 : j]})
}

// word reads a field prefix (title:) or a word, operator or wildcard.
func (l *lexer) word() {
	q, i := l.q, l.i
	if name, ok := barePrefix(q[i:]); ok {
		l.fail(i, fmt.Sprintf("%s: needs a term right after it, such as %s:leader or %s:(leader OR chief)", name, name, name))
		l.emit(item{kind: itemBad, pos: i, text: name + ":"})
		return
	}
	if name, ok := prefixAt(q[i:]); ok {
		if knownPrefixes[name] {
			l.items = append(l.items, item{kind: itemPrefix, pos: i, text: name + ":", val: name})
		} else {
			l.fail(i, fmt.Sprintf("unknown field %q (fields: title, summary, content, author, category, url, site, feed, tag, case)", name))
		}
		l.i += len(name) + 1
		return
	}
	j := i
	for j < len(q) {
		r, sz := utf8.DecodeRuneInString(q[j:])
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' || r == '“' || r == '”' {
			break
		}
		j += sz
	}
	it, err := wordItem(q[i:j], i)
	if err != nil {
		l.errs = append(l.errs, err)
	}
	l.items = append(l.items, it)
	l.i = j
}

func wordItem(w string, pos int) (item, *QueryError) {
	switch w {
	case "AND":
		return item{kind: itemAnd, pos: pos, text: w}, nil
	case "OR":
		return item{kind: itemOr, pos: pos, text: w}, nil
	case "NOT":
		return item{kind: itemNot, pos: pos, text: w}, nil
	}
	for _, op := range []string{"ONEAR", "NEAR"} {
		if w != op && !strings.HasPrefix(w, op+"/") {
			continue
		}
		n := DefaultNear
		if w != op {
			v, err := strconv.Atoi(w[len(op)+1:])
			if err != nil || v < 1 || v > maxNear {
				bad := item{kind: itemNear, pos: pos, text: w, n: DefaultNear, ordered: op == "ONEAR"}
				return bad, &QueryError{Offset: pos, Msg: fmt.Sprintf("%s needs a distance between 1 and %d, as in %s/5; found %q", op, maxNear, op, w)}
			}
			n = v
		}
		return item{kind: itemNear, pos: pos, text: w, n: n, ordered: op == "ONEAR"}, nil
	}
	return item{kind: itemWord, pos: pos, text: w, val: w}, nil
}

// prefixAt reports a field prefix such as "title:" at the start of s:
// letters followed by ':' and something that is not a space.
func prefixAt(s string) (string, bool) {
	j := 0
	for j < len(s) && ('a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z') {
		j++
	}
	if j == 0 || j+1 >= len(s) || s[j] != ':' {
		return "", false
	}
	r, _ := utf8.DecodeRuneInString(s[j+1:])
	if unicode.IsSpace(r) {
		return "", false
	}
	return s[:j], true
}

// barePrefix reports a known field prefix with nothing after it: "title:"
// at the end of the query or before a space.
func barePrefix(s string) (string, bool) {
	name, rest, found := strings.Cut(s, ":")
	if !found || !knownPrefixes[strings.ToLower(name)] || strings.ContainsAny(name, " \t\n()\"") {
		return "", false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return name, rest == "" || unicode.IsSpace(r)
}

func startsTerm(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return !unicode.IsSpace(r) && r != ')' && r != '-'
}

func isListNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
