package feed

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// expectClause is one "entries[0][field] == 'value'" of a feedparser test
// file's Expect: line.
var expectClause = regexp.MustCompile(`entries\[0\]\['(title|link|summary|description|content)'\]` +
	`(?:\[0\]\['value'\]|_detail\]?\['value'\]|\['value'\])?\s*==\s*(` + pyLit + `(?:\s*\+\s*` + pyLit + `)*)`)

const pyLit = `u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`

var pyLitRe = regexp.MustCompile(pyLit)

var headerLine = regexp.MustCompile(`(?m)^Header:\s*([\w-]+):\s*(.+)$`)

// TestCorpusFeedparser measures feedwatch on kurtmckee/feedparser's test
// files, read from a local checkout named by FEEDWATCH_FEEDPARSER (never
// committed here; it skips without one): every file is parsed as the
// daemon parses it (with the Content-Type its Header: line gives), and
// every "entries[0]['title'|'link'|'summary'|'description'|'content']
// == …" expectation is compared with what an analyst would see, both
// sides reduced to text with whitespace collapsed. The figures go in
// docs/feeds.md; it fails below 97 % agreement, and on a crash or hang.
func TestCorpusFeedparser(t *testing.T) {
	dir := os.Getenv("FEEDWATCH_FEEDPARSER")
	if dir == "" {
		t.Skip("FEEDWATCH_FEEDPARSER (a feedparser checkout) not set")
	}
	f := NewFetcher(time.Second, 1<<20, "test")
	var files, rejected, clauses, agreed int
	reasons := map[string]int{}
	filepath.Walk(filepath.Join(dir, "tests"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".xml") {
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		head := string(body[:min(len(body), 4096)])
		ct, base := corpusRequest(dir, p, head)
		arts, perr := f.parse(body, ct, Source{Name: filepath.Base(p)}, base)
		if perr != nil {
			if testing.Verbose() {
				t.Logf("rejected %s: %v", strings.TrimPrefix(p, dir), perr)
			}
			rejected++
			reasons[diagReason(perr.Error())]++
		}
		for _, m := range expectClause.FindAllStringSubmatch(head, -1) {
			want, ok := "", true
			for _, lit := range pyLitRe.FindAllString(m[2], -1) {
				part, good := pyUnquote(strings.TrimPrefix(lit, "u"))
				want, ok = want+part, ok && good
			}
			if !ok {
				continue
			}
			clauses++
			got := ""
			if len(arts) > 0 {
				got = fieldOf(arts[0].Title, arts[0].Link, arts[0].Summary, arts[0].Content, m[1])
			}
			if sameText(got, want) {
				agreed++
			} else if testing.Verbose() {
				t.Logf("%s: %s = %q, feedparser %q", strings.TrimPrefix(p, dir), m[1], got, want)
			}
		}
		return nil
	})
	t.Logf("%d files, %d rejected; first-entry expectations: %d of %d agree (%.1f %%)",
		files, rejected, agreed, clauses, 100*float64(agreed)/float64(max(clauses, 1)))
	if agreed*100 < clauses*97 {
		t.Errorf("agreement %d of %d is below 97 %%", agreed, clauses)
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("rejected %4d × %s", reasons[k], k)
	}
}

// corpusRequest is how feedparser's tests serve a file: those with "http"
// in their path from http://127.0.0.1:8097/<path> with the headers their
// Header: lines give (text/xml by default), the others as bare text with
// no address.
func corpusRequest(dir, path, head string) (contentType, base string) {
	if !strings.Contains(path, "http") {
		return "", ""
	}
	rel, _ := filepath.Rel(dir, path)
	docURI, _ := url.Parse("http://127.0.0.1:8097/" + filepath.ToSlash(rel))
	contentType, base = "text/xml", docURI.String()
	for _, h := range headerLine.FindAllStringSubmatch(head, -1) {
		switch v := strings.TrimSpace(h[2]); strings.ToLower(h[1]) {
		case "content-type":
			contentType = v
		case "content-location":
			if loc, err := docURI.Parse(v); err == nil {
				base = loc.String()
			}
		}
	}
	return contentType, base
}

func diagReason(s string) string {
	if i := strings.IndexAny(s, "0123456789"); i > 20 {
		s = s[:i]
	}
	return article0(s, 70)
}

func article0(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func fieldOf(title, link, summary, content, field string) string {
	switch field {
	case "title":
		return title
	case "link":
		return link
	case "content":
		if content != "" {
			return content
		}
	}
	if summary != "" {
		return summary
	}
	return content
}

func sameText(got, want string) bool {
	g := strings.Join(strings.Fields(got), " ")
	return g == strings.Join(strings.Fields(want), " ") || g == strings.Join(strings.Fields(HTMLToText(want)), " ")
}

// pyUnquote reads a Python string literal.
func pyUnquote(lit string) (string, bool) {
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[body[i]]
		switch {
		case width > 0:
			if i+width >= len(body)+0 && i+width > len(body)-1+1 {
				return "", false
			}
			n, err := strconv.ParseUint(body[i+1:i+1+width], 16, 32)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(n))
			i += width
		case body[i] == 'n':
			b.WriteByte('\n')
		case body[i] == 't':
			b.WriteByte('\t')
		case body[i] == 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String(), true
}
