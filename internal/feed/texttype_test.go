package feed

import (
	"strings"
	"testing"
	"time"
)

// TestTextDeclaredPlainKeepsEveryWord: a title or text the format
// declares plain is shown as written, "<script>" and all, and a rule
// sees every word of it; HTML is read as HTML only where the format says
// so, and an element named in prose is kept even there.
func TestTextDeclaredPlainKeepsEveryWord(t *testing.T) {
	const want = "Why the <script> tag matters for Iraq coverage"
	docs := map[string]string{
		"atom type=text": `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
			<title type="text">Why the &lt;script&gt; tag matters for Iraq coverage</title>
			<summary>Styling the &lt;dialog&gt; element, and &lt;template&gt; too</summary></entry></feed>`,
		"atom no type": `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
			<title>Why the &lt;script&gt; tag matters for Iraq coverage</title></entry></feed>`,
		"json feed": `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1",
			"title":"Why the <script> tag matters for Iraq coverage","content_text":"Styling the <dialog> element, and <template> too"}]}`,
		"rss title": `<rss version="2.0"><channel><item><guid>1</guid>
			<title>Why the &lt;script&gt; tag matters for Iraq coverage</title>
			<description>Styling the &amp;lt;dialog&amp;gt; element, and &lt;template&gt; too</description></item></channel></rss>`,
	}
	f := NewFetcher(time.Second, 1<<20, "test")
	for name, doc := range docs {
		arts, err := f.parse([]byte(doc), "", Source{Name: name}, "")
		if err != nil || len(arts) != 1 {
			t.Fatalf("%s: %v, %d items", name, err, len(arts))
		}
		if arts[0].Title != want {
			t.Errorf("%s: title %q, want %q", name, arts[0].Title, want)
		}
		if text := arts[0].Summary + arts[0].Content; text != "" && !strings.Contains(text, "<dialog> element, and <template> too") {
			t.Errorf("%s: text %q lost words", name, text)
		}
	}
}

// TestMarkupIsStillReadAsMarkup: real markup where the format allows it
// is read as HTML, and declared text that is nothing but HTML (escaped
// twice by its publisher) is too.
func TestMarkupIsStillReadAsMarkup(t *testing.T) {
	cases := []struct {
		s    string
		k    textKind
		want string
	}{
		{"<b>Raid</b> in &amp; near Ramadi", asGuess, "Raid in & near Ramadi"},
		{"AT&T <b>and</b> Verizon", asGuess, "AT&T and Verizon"},
		{"<p>Raid in Ramadi</p>", asText, "Raid in Ramadi"},
		{"Raid <i>near</i> Ramadi", asText, "Raid <i>near</i> Ramadi"},
		{"a <script>x()</script> b", asHTML, "a b"},
		{"Why the <script> tag matters", asHTML, "Why the <script> tag matters"},
		{"5 < 6 and 7 > 3", asGuess, "5 < 6 and 7 > 3"},
	}
	for _, c := range cases {
		if got := oneLine(readAs(c.s, c.k)); got != c.want {
			t.Errorf("readAs(%q, %d) = %q, want %q", c.s, c.k, got, c.want)
		}
	}
}

// TestCDFIsRead: a Channel Definition Format document (feedparser reads
// it) gives its items.
func TestCDFIsRead(t *testing.T) {
	doc := `<CHANNEL HREF="http://example.org/"><TITLE>Wire</TITLE>
		<ITEM HREF="http://example.org/1" LASTMOD="2004-04-06T23:05:43-05:00"><TITLE>Raid in Ramadi</TITLE><ABSTRACT>Forces raided a house.</ABSTRACT></ITEM></CHANNEL>`
	arts, err := NewFetcher(time.Second, 1<<20, "test").parse([]byte(doc), "", Source{}, "")
	if err != nil || len(arts) != 1 {
		t.Fatalf("%v, %d items", err, len(arts))
	}
	a := arts[0]
	if a.Title != "Raid in Ramadi" || a.Link != "http://example.org/1" || a.Summary != "Forces raided a house." ||
		!a.Published.Equal(time.Date(2004, 4, 7, 4, 5, 43, 0, time.UTC)) {
		t.Errorf("got %+v", a)
	}
}
