package feed

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDocumentsBeyondTheShapeLimitsAreRefusedBeforeParsing(t *testing.T) {
	t.Parallel()
	item := `<rss version="2.0"><channel><title>T</title><item><title>Leader killed</title><description>x</description></item>`
	for _, c := range []struct {
		name string
		body string
		want string // "" means accepted
	}{
		{"unclosed elements two million deep", item + strings.Repeat("<x:a>", 2_000_000), "nested more than 256 deep"},
		{"closed elements nested 300 deep", item + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + "</channel></rss>", "nested more than 256 deep"},
		{"elements nested 200 deep", item + strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200) + "</channel></rss>", ""},
		{"a million empty elements", item + strings.Repeat("<x/>", 1_000_000) + "</channel></rss>", "more than 100000 XML elements"},
		{"thousands of unclosed <br> and <p> in raw HTML", item + strings.Repeat("<item><description>a<br>b<p>c<p>d<BR></description></item>", 2000) + "</channel></rss>", ""},
		{"markup inside comments, CDATA and attributes does not count", item + `<!-- <a><a><a> --><item><description><![CDATA[` + strings.Repeat("<a>", 1000) + `]]></description><link href="x>y"/></item></channel></rss>`, ""},
		{"a JSON feed", `{"version":"https://jsonfeed.org/version/1.1","items":[` + strings.Repeat(`{"id":"1"},`, 10) + `{"id":"2"}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := checkShape([]byte(c.body))
			var se *ShapeError
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

func TestAHostileFeedIsOneClearErrorNotACrash(t *testing.T) {
	t.Parallel()
	f := NewFetcher(0, 20<<20, "test")
	body := []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>T</title><item><title>a</title></item>` +
		strings.Repeat("<x:a>", 2_000_000))
	_, err := f.parse(body, "", Source{Name: "Hostile"}, "")
	if err == nil || !strings.Contains(err.Error(), "nested more than 256 deep") {
		t.Fatalf("err = %v", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("<x:a>")) {
		t.Error("the error echoes the document")
	}
}
