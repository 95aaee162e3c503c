package feed

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

func titleOf(t *testing.T, body []byte, contentType string) string {
	t.Helper()
	f := NewFetcher(0, 1<<20, "test")
	arts, err := f.parse(body, contentType, Source{Name: "W"}, "")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(arts) != 1 {
		t.Fatalf("%d articles", len(arts))
	}
	return arts[0].Title
}

func TestCharsetsAsTheRealWebServesThem(t *testing.T) {
	t.Parallel()
	const title = "Café – “Zürich” don’t"
	rss := func(decl, title string) string {
		return decl + `<rss version="2.0"><channel><title>W</title><item><guid>1</guid><title>` + title + `</title></item></channel></rss>`
	}
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(rss(`<?xml version="1.0" encoding="UTF-16"?>`, title))
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(rss(`<?xml version="1.0" encoding="UTF-16"?>`, title))
	utf32be, _ := utf32.UTF32(utf32.BigEndian, utf32.UseBOM).NewEncoder().String(rss(`<?xml version="1.0" encoding="UTF-32"?>`, title))
	utf16beBare, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().String(rss(`<?xml version="1.0" encoding="UTF-16BE"?>`, title))
	utf32leBare, _ := utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM).NewEncoder().String(rss(`<?xml version="1.0" encoding="UTF-32"?>`, title))
	for _, c := range []struct {
		name, body, contentType, want string
	}{
		{"UTF-8 declared, served as ISO-8859-1", rss(`<?xml version="1.0" encoding="utf-8"?>`, title), "application/rss+xml; charset=ISO-8859-1", title},
		{"bare UTF-8 served as text/html; charset=iso-8859-1", rss("", title), "text/html; charset=iso-8859-1", title},
		{"Windows-1252 quotes labelled ISO-8859-1", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "don\x92t \x93quote\x94"), "", "don’t “quote”"},
		{"no charset anywhere, Windows-1252 bytes", rss("", "Caf\xe9 in Ramadi"), "", "Café in Ramadi"},
		{"UTF-16 little-endian with a BOM", utf16le, "application/xml", title},
		{"UTF-16 big-endian with a BOM", utf16be, "", title},
		{"UTF-32 big-endian with a BOM", utf32be, "", title},
		{"UTF-16 big-endian without a BOM", utf16beBare, "", title},
		{"UTF-32 little-endian without a BOM", utf32leBare, "", title},
		{"an unknown encoding, UTF-8 bytes", rss(`<?xml version="1.0" encoding="bogus"?>`, title), "", title},
		{"Windows-1252 bytes carried into UTF-8 as C1 controls", rss(`<?xml version="1.0"?>`, "don\u0092t \u0093quote\u0094\u0081"), "", "don’t “quote”"},
		{"a UTF-8 BOM and a Latin-1 label", "\xef\xbb\xbf" + rss(`<?xml version="1.0" encoding="iso-8859-1"?>`, title), "", title},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := titleOf(t, []byte(c.body), c.contentType); got != c.want {
				t.Errorf("title = %q, want %q", got, c.want)
			}
		})
	}
	if strings.Contains(titleOf(t, []byte(rss(`<?xml version="1.0" encoding="UTF-8"?>`, "Caf\xff attack")), ""), "ÿ") {
		t.Error("a UTF-8 label with one stray byte was read as Windows-1252")
	}
}

func TestTestReadsADocumentAsTheDaemonDoes(t *testing.T) {
	t.Parallel()
	f := NewFetcher(0, 1<<20, "test")
	broken := []byte("<?xml version=\"1.0\"?>\n<title>Café</title><p>not a feed</p>")
	if _, _, err := f.ReadDocument(broken, "", Source{Name: "x"}); err == nil || !strings.Contains(err.Error(), "not an RSS, Atom or JSON feed") {
		t.Errorf("an XML document that is no feed: %v, want the daemon's error", err)
	}
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(`<rss version="2.0"><channel><title>W</title><item><guid>1</guid><title>Zürich</title></item></channel></rss>`)
	arts, _, err := f.ReadDocument([]byte(utf16), "", Source{Name: "x"})
	if err != nil || len(arts) != 1 || arts[0].Title != "Zürich" {
		t.Errorf("a UTF-16 feed: %+v, %v", arts, err)
	}
}

func TestATruncatedDocumentKeepsTheItemsBeforeTheBreak(t *testing.T) {
	t.Parallel()
	f := NewFetcher(0, 1<<20, "test")
	items := `<item><guid>1</guid><title>First report</title></item><item><guid>2</guid><title>Second report</title></item>`
	for name, body := range map[string]string{
		"no closing tags":          `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>` + items,
		"cut inside an item":       `<rss version="2.0"><channel><title>W</title>` + items + `<item><guid>3</guid><title>Thi`,
		"an unclosed CDATA":        `<rss version="2.0"><channel><title>W</title>` + items + `<item><guid>3</guid><title>Third</title><description><![CDATA[<p>cut`,
		"a tag cut in half":        `<rss version="2.0"><channel><title>W</title>` + items + `<ite`,
		"a closing tag cut":        `<rss version="2.0"><channel><title>W</title>` + items + `</channel></rs`,
		"an Atom feed without end": `<feed xmlns="http://www.w3.org/2005/Atom"><title>W</title><entry><id>1</id><title>First report</title></entry><entry><id>2</id><title>Second report</title></entry>`,
	} {
		arts, err := f.parse([]byte(body), "", Source{Name: "W"}, "")
		if err != nil || len(arts) < 2 || arts[0].Title != "First report" || arts[1].Title != "Second report" {
			t.Errorf("%s: %d articles, %v", name, len(arts), err)
		}
	}
}

func TestMarkupOfOtherVocabulariesGoesAndItsTextStays(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`<p>Talks in <st1:place w:st="on">Ramadi</st1:place> went on<o:p></o:p></p>`:    "Talks in Ramadi went on",
		`<p>Like us <fb:like href="x"></fb:like> now</p>`:                               "Like us now",
		`<amp-img src="a.jpg" alt="x"></amp-img><p>Bridge reopens</p>`:                  "Bridge reopens",
		`<lite-youtube videoid="abc">Watch</lite-youtube>`:                              "Watch",
		`<math><mrow><mi>x</mi><mo>=</mo><mn>2</mn></mrow></math> was shown`:            "x=2 was shown",
		`Reporters saw <!channel> and <https://evil.example|click> and <Reuters> wrote`: "Reporters saw <!channel> and <https://evil.example|click> and <Reuters> wrote",
		`<multicol cols="2">Two columns</multicol> and <x/> gone`:                       "Two columns and gone",
	} {
		if got := HTMLToText(in); got != want {
			t.Errorf("HTMLToText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHTMLEscapedTwiceIsReadOnce: text that is itself HTML once decoded
// (a feed escaped it twice) is read as HTML; a tag named in prose stays.
func TestHTMLEscapedTwiceIsReadOnce(t *testing.T) {
	for in, want := range map[string]string{
		`&lt;p&gt;Raid in &lt;b&gt;Hit&lt;/b&gt;&lt;/p&gt;`:                                     "Raid in Hit",
		`&lt;!-- SC_OFF --&gt;&lt;div class="md"&gt;&lt;p&gt;Raid in Hit&lt;/p&gt;&lt;/div&gt;`: "Raid in Hit",
		`History of the &lt;blink&gt; tag`:                                                      "History of the <blink> tag",
		`Use <code>&lt;br&gt;</code> here`:                                                      "Use <br> here",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinksAsFeedsGiveThem(t *testing.T) {
	t.Parallel()
	f := NewFetcher(0, 1<<20, "test")
	doc := `<rss version="2.0"><channel><title>W</title><link>https://wire.example/</link>
<item><guid isPermaLink="true">https://wire.example/2025/raid</guid><title>Raid</title></item>
<item><guid>2</guid><title>Amp</title><link><![CDATA[https://wire.example/a?x=1&amp;y=2]]></link></item>
<item><guid>3</guid><title>Books</title><link>https://bücher.example/neu</link></item>
<item><guid>4</guid><link>https://wire.example/only-a-link</link></item>
</channel></rss>`
	arts, err := f.parse([]byte(doc), "", Source{Name: "W"}, "")
	if err != nil || len(arts) != 4 {
		t.Fatalf("%d articles, %v", len(arts), err)
	}
	for i, want := range []string{"https://wire.example/2025/raid", "https://wire.example/a?x=1&y=2", "https://bücher.example/neu", "https://wire.example/only-a-link"} {
		if arts[i].Link != want {
			t.Errorf("item %d: link %q, want %q", i, arts[i].Link, want)
		}
	}
}

// TestUndeclaredEastAsianEncodingsAreDetected: a Korean or Japanese feed
// that names no charset is read in its encoding, not as Latin-1.
func TestUndeclaredEastAsianEncodingsAreDetected(t *testing.T) {
	cases := []struct {
		name  string
		enc   encoding.Encoding
		title string
	}{
		{"EUC-KR", korean.EUCKR, "이라크 안바르주에서 이슬람국가 지도자 사망, 연합군 작전으로 확인됐다고 관리들이 밝혔다"},
		{"EUC-JP", japanese.EUCJP, "イラク西部アンバル州でイスラム国の指導者が死亡、有志連合の作戦と当局者が発表した"},
		{"Shift_JIS", japanese.ShiftJIS, "イラク西部アンバル州でイスラム国の指導者が死亡、有志連合の作戦と当局者が発表した"},
	}
	f := NewFetcher(time.Second, 1<<20, "test")
	for _, c := range cases {
		doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>` + c.title + `</title><item><guid>1</guid><title>` +
			c.title + `</title><description>` + c.title + "。" + c.title + `</description></item></channel></rss>`
		body, err := c.enc.NewEncoder().Bytes([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		arts, err := f.parse(body, "text/xml", Source{}, "")
		if err != nil || len(arts) != 1 {
			t.Fatalf("%s: %v", c.name, err)
		}
		if arts[0].Title != c.title {
			t.Errorf("%s: title %q, want %q", c.name, arts[0].Title, c.title)
		}
	}
}

// TestDoubleEncodedUTF8IsRepaired: "â€™" shown where the publisher wrote
// "’" is repaired; real Latin-1 letters are left alone.
func TestDoubleEncodedUTF8IsRepaired(t *testing.T) {
	for in, want := range map[string]string{
		"Iraq’s leader killed in Anbar – officials…":       "Iraq’s leader killed in Anbar – officials…",
		"Iraqâ€™s leader killed in Anbar â€“ officialsâ€¦": "Iraq’s leader killed in Anbar – officials…",
		"CafÃ© in SÃ£o Paulo":                              "Café in São Paulo",
		"São Paulo and Ã as written":                       "São Paulo and Ã as written",
	} {
		if got := repairDoubleEncoded(in); got != want {
			t.Errorf("repairDoubleEncoded(%q) = %q, want %q", in, got, want)
		}
	}
}
