package feed

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzHTMLToText checks the HTML-to-text step never panics and keeps valid
// UTF-8 valid.
func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		"<p>One &amp; two</p>", "<script>alert(1)</script>x", "<!channel> <@U1>", "<a href=x>l</a",
		"<style>p{}</style><p>Caf\u00e9</p>", "&#x1F600; &bogus; &amp", "<svg><script>x</script></svg>ok",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTMLToText(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("valid input gave invalid UTF-8: %q", out)
		}
	})
}

// FuzzParseFeed checks that no body makes feed normalisation panic.
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(rssDoc), "application/rss+xml")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","title":"T","content_html":"<p>x</p>"}]}`), "application/feed+json")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id><title>T</title><link href="/x"/></entry></feed>`), "")
	f.Add([]byte("\xff\xfe<rss>"), "text/xml; charset=latin1")
	f.Add([]byte(`<rss version="2.0" xmlns:x="u"><channel><item><title>a</title></item>`+strings.Repeat("<x:a>", 300)), "")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml">`+strings.Repeat("<div>", 255)+`x`+strings.Repeat("</div>", 255)+`</content></entry></feed>`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		// Nesting: a quarter of the bodies get their first tag repeated
		// thousands of times, nesting them deeper than gofeed's recursion
		// survives without the shape check.
		if i := bytes.IndexByte(body, '>'); i > 0 && len(body) < 4096 && len(body)%4 == 0 {
			body = append(body[:i+1:i+1], append(bytes.Repeat(body[:i+1], 3000), body[i+1:]...)...)
		}
		fe := &Fetcher{Now: time.Now}
		arts, err := fe.parse(body, contentType, Source{Name: "F"}, "https://base.example/")
		if err != nil {
			return
		}
		for _, a := range arts {
			if a.Identity == "" {
				t.Fatalf("article without identity: %+v", a)
			}
			if a.Link != "" && !strings.HasPrefix(a.Link, "http") {
				t.Fatalf("non-http link kept: %q", a.Link)
			}
		}
	})
}
