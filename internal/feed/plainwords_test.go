package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/feedwatch/feedwatch/internal/article"
)

// TestCorpusPlainTextKeepsEveryWord reads every Atom and JSON Feed
// document of the corpora named by FEEDWATCH_CORPORA (see TestCorpusFiles;
// it skips without them) and checks that each word of a text declared as
// plain text (Atom title, summary and content of type "text" or none;
// JSON Feed title, summary and content_text) is in what feedwatch keeps
// of it, tag-like words included. The texts are read here with
// encoding/xml and encoding/json, not with the parser under test.
func TestCorpusPlainTextKeepsEveryWord(t *testing.T) {
	dirs := os.Getenv("FEEDWATCH_CORPORA")
	if dirs == "" {
		t.Skip("FEEDWATCH_CORPORA (directories of feed test data) not set")
	}
	f := NewFetcher(time.Second, 1<<20, "test")
	f.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	var texts, words int
	for _, dir := range filepath.SplitList(dirs) {
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !corpusInput(p) || filepath.Ext(p) == ".go" {
				return nil
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			declared := plainTexts(raw)
			if len(declared) == 0 {
				return nil
			}
			arts, perr := f.parse(raw, "", Source{Name: filepath.Base(p)}, "https://example.com/feed")
			if perr != nil || len(arts) != len(declared) {
				return nil // items skipped as duplicates or empty: no pairing to check
			}
			for i, d := range declared {
				kept := map[string]string{"title": arts[i].Title, "text": arts[i].Summary + " " + arts[i].Content}
				for _, field := range []string{"title", "text"} {
					for _, s := range d[field] {
						if len(s) > article.MaxTitle && field == "title" || len(s) > article.MaxText/2 {
							continue // clipped by design
						}
						texts++
						have := wordSet(kept[field])
						for _, w := range wordsOf(s) {
							words++
							if !have[w] {
								t.Errorf("%s item %d: %s %q lost %q: kept %q", p, i, field, article.Clip(s, 120), w, article.Clip(kept[field], 120))
								break
							}
						}
					}
				}
			}
			return nil
		})
	}
	t.Logf("%d plain texts, %d words: every word kept", texts, words)
}

func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range wordsOf(s) {
		m[w] = true
	}
	return m
}

// plainTexts are each item's texts declared plain, by field ("title" or
// "text"), for an Atom or JSON Feed document; nil for anything else.
func plainTexts(doc []byte) []map[string][]string {
	if t := bytes.TrimSpace(doc); len(t) > 0 && t[0] == '{' {
		var jf struct {
			Version string
			Items   []struct {
				Title, Summary string
				HTML           string `json:"content_html"`
				Text           string `json:"content_text"`
			}
		}
		if json.Unmarshal(doc, &jf) != nil || !strings.Contains(jf.Version, "jsonfeed") {
			return nil
		}
		var out []map[string][]string
		for _, it := range jf.Items {
			m := map[string][]string{"title": {it.Title}, "text": {it.Summary}}
			if it.HTML == "" {
				m["text"] = append(m["text"], it.Text)
			}
			out = append(out, m)
		}
		return out
	}
	return atomPlainTexts(doc)
}

func atomPlainTexts(doc []byte) []map[string][]string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var out []map[string][]string
	var field string // the plain text being read, "" when none
	var text strings.Builder
	atom, depth, entryDepth := false, 0, -1
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			name := e.Name.Local
			switch {
			case depth == 1:
				if atom = name == "feed"; !atom {
					return nil
				}
			case name == "entry" && entryDepth < 0:
				entryDepth = depth
				out = append(out, map[string][]string{})
			case depth == entryDepth+1 && entryDepth > 0 && (name == "title" || name == "summary" || name == "content"):
				if declaredPlain(e) {
					field = map[string]string{"title": "title"}[name]
					if field == "" {
						field = "text"
					}
					text.Reset()
				}
			case field != "":
				field = "" // an element inside text declared plain: not text after all
			}
		case xml.CharData:
			if field != "" {
				text.Write(e)
			}
		case xml.EndElement:
			if field != "" && depth == entryDepth+1 {
				out[len(out)-1][field] = append(out[len(out)-1][field], text.String())
				field = ""
			}
			if depth == entryDepth {
				entryDepth = -1
			}
			depth--
		}
	}
}

func declaredPlain(e xml.StartElement) bool {
	for _, a := range e.Attr {
		switch strings.ToLower(a.Name.Local) {
		case "mode":
			return false // base64 or escaped Atom 0.3: not text as written
		case "type":
			if v := strings.ToLower(a.Value); v != "text" && v != "text/plain" {
				return false
			}
		}
	}
	return true
}
