package feed

import (
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
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
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
