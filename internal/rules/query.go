package rules

// The parsed form of a query: a tree of terms and operators, and how its
// terms are compiled once parsed.

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/feedwatch/feedwatch/internal/text"
)

// Fields an article offers to field-scoped terms.
const (
	fieldTitle = iota
	fieldSummary
	fieldContent
	fieldAuthor
	fieldCategory
	fieldURL
	numFields
)

var fieldNames = [numFields]string{"title", "summary", "content", "author", "category", "url"}

var defaultFields = []int{fieldTitle, fieldSummary, fieldContent}

type termKind int

const (
	termText  termKind = iota // words, phrase, prefix
	termRegex                 // /re/ against field text
	termSite                  // site:host
	termFeed                  // feed:"name"
	termTag                   // tag:name
)

// node is a parsed query.
type node interface{}

type termNode struct {
	kind     termKind
	raw      string // as written, shown in explanations
	pos      int    // byte offset in the query, for errors
	text     string // unquoted words (termText) or value (site/feed/tag)
	prefix   bool   // last word is a prefix (word*)
	caseSens bool
	fields   []int // nil: defaultFields
	words    []string
	re       *regexp.Regexp
	key      string // first word, lower-cased: where to look it up in a document
	list     string // "@name" when the term is an entry of a list
	bad      bool   // a placeholder for something that did not parse
}

type andNode struct{ kids []node }
type orNode struct{ kids []node }
type notNode struct{ kid node }
type nearNode struct {
	left, right node
	n           int
	ordered     bool
}

func fieldIndex(name string) int {
	for i, f := range fieldNames {
		if f == name {
			return i
		}
	}
	panic("unknown field " + name)
}

func walkTerms(n node, f func(*termNode)) {
	switch n := n.(type) {
	case *termNode:
		f(n)
	case *andNode:
		for _, k := range n.kids {
			walkTerms(k, f)
		}
	case *orNode:
		for _, k := range n.kids {
			walkTerms(k, f)
		}
	case *notNode:
		walkTerms(n.kid, f)
	case *nearNode:
		walkTerms(n.left, f)
		walkTerms(n.right, f)
	}
}

// requires reports whether n can only match when some term is present.
func requires(n node) bool {
	switch n := n.(type) {
	case *termNode, *nearNode:
		return true
	case *andNode:
		for _, k := range n.kids {
			if requires(k) {
				return true
			}
		}
		return false
	case *orNode:
		for _, k := range n.kids {
			if !requires(k) {
				return false
			}
		}
		return true
	}
	return false
}

// finish compiles every term: words are tokenized with the article word
// rules, regexes compiled. It returns every problem.
func finish(n node) []*QueryError {
	var problems []*QueryError
	fail := func(t *termNode, msg string) { problems = append(problems, &QueryError{Offset: t.pos, Msg: msg}) }
	walkTerms(n, func(t *termNode) {
		if t.bad {
			return
		}
		switch t.kind {
		case termRegex:
			src := t.text
			if !t.caseSens {
				src = "(?i)" + src
			}
			re, err := regexp.Compile(src)
			if err != nil {
				fail(t, fmt.Sprintf("bad regular expression %s: %v", t.raw, strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
				return
			}
			if n := regexSize(src); n > MaxRegexSize {
				fail(t, fmt.Sprintf("regular expression %s is too complex (%d steps, at most %d): use words, phrases or NEAR, or a shorter pattern such as {1,50} instead of {1000}", t.raw, n, MaxRegexSize))
				return
			}
			t.re = re
		case termText:
			toks := text.Tokenize(t.text)
			if len(toks) == 0 {
				fail(t, fmt.Sprintf("%s has no letters or digits to match", t.raw))
				return
			}
			for _, tk := range toks {
				if t.caseSens {
					t.words = append(t.words, tk.Cased)
				} else {
					t.words = append(t.words, tk.Norm)
				}
			}
			t.key = toks[0].Norm
			if t.prefix && len([]rune(t.words[len(t.words)-1])) < 3 {
				fail(t, fmt.Sprintf("%s: a wildcard needs at least 3 characters before '*'", t.raw))
			}
		case termSite:
			t.text = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(t.text, "www."), "."))
		case termFeed, termTag:
			t.text = strings.ToLower(t.text)
		}
	})
	return problems
}

// MaxRegexSize bounds a regular expression's compiled program, and a
// regular expression reads at most the first MaxRegexText bytes of a
// field. RE2 runs in time linear in the text but proportional to the
// program's size as well: /a[a-z]{1000}b/ costs ten seconds per megabyte of
// "aaaa…". With these bounds one regex costs at most about 0.1 s per field
// on the worst text, a few microseconds on news.
const (
	MaxRegexSize = 250
	MaxRegexText = 32 << 10
)

// regexSize is the number of instructions src compiles to.
func regexSize(src string) int {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}
