package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTextWhereRealFeedsPutIt: items whose text is not where gofeed looks
// still give an analyst a title, a snippet and a link.
func TestTextWhereRealFeedsPutIt(t *testing.T) {
	cases := []struct {
		name, doc                  string
		title, link, summary, body string
	}{
		{name: "RSS body", doc: `<rss version="2.0"><channel><title>c</title><item><title>Raid in Hit</title>` +
			`<body>&lt;p&gt;Troops raided a house in &lt;b&gt;Hit&lt;/b&gt;.&lt;/p&gt;</body></item></channel></rss>`,
			title: "Raid in Hit", body: "Troops raided a house in Hit."},
		{name: "RSS fullitem and summary", doc: `<rss version="2.0"><channel><title>c</title><item><title>Raid in Hit</title>` +
			`<summary>Short version.</summary><fullitem>The long version of the raid.</fullitem></item></channel></rss>`,
			title: "Raid in Hit", summary: "Short version.", body: "The long version of the raid."},
		{name: "YouTube media:group", doc: `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><title>c</title>` +
			`<entry><id>yt:video:1</id><title>Briefing on Anbar</title><link rel="alternate" href="https://video.example/watch?v=1"/>` +
			`<media:group><media:title>Briefing on Anbar</media:title><media:description>The spokesman describes the operation near Ramadi.</media:description></media:group></entry></feed>`,
			title: "Briefing on Anbar", link: "https://video.example/watch?v=1", summary: "The spokesman describes the operation near Ramadi."},
		{name: "media:title only", doc: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>c</title>` +
			`<item><link>https://photo.example/1</link><media:title>Checkpoint in Fallujah</media:title>` +
			`<media:description type="html">&lt;i&gt;Soldiers&lt;/i&gt; at a checkpoint.</media:description></item></channel></rss>`,
			title: "Checkpoint in Fallujah", link: "https://photo.example/1", summary: "Soldiers at a checkpoint."},
		{name: "Atom 0.3 base64", doc: `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>c</title><entry><title>Raid</title>` +
			`<content type="text/html" mode="base64">PHA+VHJvb3BzIHJhaWRlZCBhIGhvdXNlIGluIEhpdC48L3A+</content></entry></feed>`,
			title: "Raid", body: "Troops raided a house in Hit."},
		{name: "xhtml:body", doc: `<rss version="2.0" xmlns:xhtml="http://www.w3.org/1999/xhtml"><channel><title>c</title><item><title>Raid</title>` +
			`<xhtml:body><xhtml:p>Troops <xhtml:b>raided</xhtml:b> a house</xhtml:p><xhtml:ul><xhtml:li>in Hit.</xhtml:li></xhtml:ul></xhtml:body></item></channel></rss>`,
			title: "Raid", body: "Troops raided a house\nin Hit."},
		{name: "body in the XHTML namespace", doc: `<rss version="2.0"><channel><title>c</title><item><title>Raid</title>` +
			`<body xmlns="http://www.w3.org/1999/xhtml"><p>Troops raided a house in <b>Hit</b>.</p></body></item></channel></rss>`,
			title: "Raid", body: "Troops raided a house in Hit."},
		{name: "Atom 0.3 base64 title", doc: `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>c</title><entry>` +
			`<title mode="base64">UmFpZCBpbiBIaXQgY29uZmlybWVk</title></entry></feed>`,
			title: "Raid in Hit confirmed"},
		{name: "JSON external_url", doc: `{"version":"https://jsonfeed.org/version/1.1","title":"c","items":[` +
			`{"id":"1","title":"Raid in Hit","external_url":"https://wire.example/raid","content_text":"Troops raided a house."}]}`,
			title: "Raid in Hit", link: "https://wire.example/raid"},
	}
	f := NewFetcher(time.Second, 1<<20, "test")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			arts, err := f.parse([]byte(c.doc), "", Source{Name: "t"}, "")
			if err != nil || len(arts) != 1 {
				t.Fatalf("%d articles, %v", len(arts), err)
			}
			a := arts[0]
			for _, w := range []struct{ what, got, want string }{
				{"title", a.Title, c.title}, {"link", a.Link, c.link},
				{"summary", a.Summary, c.summary}, {"text", a.Summary + "\n" + a.Content, c.body},
			} {
				if w.want != "" && !strings.Contains(w.got, w.want) {
					t.Errorf("%s = %q, want %q", w.what, w.got, w.want)
				}
			}
		})
	}
}

// TestHTMLInADescriptionIsNotABody: a <body> inside a description's
// CDATA is the description, not the item's full text.
func TestHTMLInADescriptionIsNotABody(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>c</title><item><title>Raid</title>` +
		`<description><![CDATA[<html><body xmlns="http://www.w3.org/1999/xhtml"><p>Short.</p></body></html>]]></description></item></channel></rss>`
	arts, err := NewFetcher(time.Second, 1<<20, "test").parse([]byte(doc), "", Source{Name: "t"}, "")
	if err != nil || len(arts) != 1 || arts[0].Summary != "Short." || arts[0].Content != "" {
		t.Fatalf("%+v, %v", arts, err)
	}
}

// TestBase64OnlyWhenItDecodesToText: a document that mentions base64 does
// not have its ordinary one-word content decoded into junk.
func TestBase64OnlyWhenItDecodesToText(t *testing.T) {
	doc := `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>base64 notes</title><entry><title>x</title>` +
		`<content mode="escaped">Counterinsurgency</content></entry></feed>`
	arts, err := NewFetcher(time.Second, 1<<20, "test").parse([]byte(doc), "", Source{Name: "t"}, "")
	if err != nil || len(arts) != 1 || arts[0].Summary+arts[0].Content != "Counterinsurgency" {
		t.Fatalf("%+v, %v", arts, err)
	}
}

// TestContentLocationIsTheBase: relative links of a feed without a channel
// link resolve against the Content-Location the server names.
func TestContentLocationIsTheBase(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Location", "https://mirror.example/news/feed.xml")
		w.Write([]byte(`<rss version="2.0"><channel><title>c</title><item><title>Raid</title><link>2025/raid</link></item></channel></rss>`))
	}))
	defer srv.Close()
	res, err := NewFetcher(time.Second, 1<<20, "test").Fetch(context.Background(), Source{Name: "t", URL: srv.URL}, Validators{})
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := res.Articles[0].Link; got != "https://mirror.example/news/2025/raid" {
		t.Errorf("link = %q", got)
	}
}

// TestAJSONFeedWithOneFieldOfTheWrongTypeIsRead: one field of the wrong
// type no longer loses every item of a JSON Feed.
func TestAJSONFeedWithOneFieldOfTheWrongTypeIsRead(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"c","authors":{"name":"Desk"},"items":[` +
		`{"id":42,"title":"Raid in Hit","url":"https://wire.example/42","authors":{"name":"Desk"},"image":{"url":"https://wire.example/i.jpg"},"tags":"Anbar","content_text":"Troops raided a house."},` +
		`{"id":"43","title":"Bridge reopens","author":"Wire","url":"https://wire.example/43"}]}`
	arts, err := NewFetcher(time.Second, 1<<20, "test").parse([]byte(doc), "", Source{Name: "t"}, "")
	if err != nil || len(arts) != 2 {
		t.Fatalf("%d articles, %v", len(arts), err)
	}
	if a := arts[0]; a.Title != "Raid in Hit" || a.Identity != "guid:42" || a.Author != "Desk" || len(a.Categories) != 1 || a.Categories[0] != "Anbar" {
		t.Errorf("first item = %+v", a)
	}
	if a := arts[1]; a.Author != "Wire" {
		t.Errorf("second item author = %q", a.Author)
	}
}

// TestNotAFeedSaysWhatItIs: a document that is not a feed is named.
func TestNotAFeedSaysWhatItIs(t *testing.T) {
	f := NewFetcher(time.Second, 1<<20, "test")
	for doc, want := range map[string]string{
		`<?xml version="1.0"?><opml version="2.0"><head/><body><outline xmlUrl="https://x.example/rss"/></body></opml>`: "OPML list of subscriptions",
		`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>`:              "its root element is <urlset>",
		`<!doctype html><html><body><p>Hello</p></body></html>`:                                                         "it is an HTML page",
		`Moved`:                   "it is neither XML nor JSON (plain text?)",
		"<!-- nothing here -->\n": "it holds no element (only comments or declarations)",
		`<head><title>Document Moved</title></head><body>Moved</body>`: "it is an HTML page",
		`<note><to>Tove</to></note>`:                                   "its root element is <note>",
	} {
		_, err := f.parse([]byte(doc), "", Source{Name: "t"}, "")
		if err == nil || !strings.Contains(err.Error(), "not an RSS, Atom or JSON feed") || !strings.Contains(err.Error(), want) {
			t.Errorf("%.30s…: %v, want %q", doc, err, want)
		}
	}
}
