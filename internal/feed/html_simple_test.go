package feed

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// markupPieces are what random fragments are made of: the tags and
// attributes the shortcut reads and many it must leave to the tokenizer,
// entities, stray '<' and '>', line ends of every kind, quotes.
var markupPieces = []string{"Troops", " raided ", "Ramadi", "é", "\u00a0", " ", "\n", "\r\n", "\r", "\t", "&amp;", "&#39;", "&lt;p&gt;", "&nbsp;", "&notanentity;", "&", "&#x27", "<", ">", "a < b", "<3", "\x00",
	"<p>", "</p>", "<P>", "<br>", "<br/>", "<BR />", "<p/>", "</ p>", "< p>", "<div class=\"x\">", "</div>", "<span>", "</span>", "<a href=\"https://x.example/?a=1&amp;b=2\">", "</a>",
	"<a href='x>y'>", "<a href=x>", "<a title=\"c>d\">", "<a b='c\"d'>", "<a b=\"c\"d>", "<a =b>", "<a b c>", "<a b/>", "<p\n class=x>", "<p\tclass=x>", "<p class=x/>", "<img src=\"i.jpg\" alt=\"\">", "<img src=i.jpg/>",
	"<figure>", "<figcaption>", "</figcaption>", "</figure>", "<script>", "</script>", "<style>", "<title>", "<textarea>", "<!-- c -->", "<!DOCTYPE html>", "<?xml?>", "<o:p>", "</o:p>", "<amp-img>", "<dialog>", "<b>", "</b>", "<em>", "<h2>", "</h2>", "<li>", "<ul>", "<td>", "<q>", "<table>", "<hr>",
	"<a", "<p class=\"unclosed", "<p class=", "<p class='x'", "<a href=x`y>", "<p data-x-y=1>", "<p b==c>", "<A_0>", "<b-c>", "<p\fx>"}

// TestSimpleMarkupReadsAsTheTokenizerReadsIt: on 100,000 random fragments
// the shortcut either leaves a fragment to the tokenizer or reads exactly
// what the tokenizer reads; and it takes most plain ones.
func TestSimpleMarkupReadsAsTheTokenizerReadsIt(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 2))
	taken := 0
	const n = 100000
	for range n {
		var b strings.Builder
		for range rng.IntN(14) {
			b.WriteString(markupPieces[rng.IntN(len(markupPieces))])
		}
		s := b.String()
		got, ok := simpleHTMLToText(s)
		if !ok {
			continue
		}
		taken++
		if want := tokenizedToText(s); got != want {
			t.Fatalf("%q:\nshortcut  %q\ntokenizer %q", s, got, want)
		}
	}
	if taken < n/20 {
		t.Errorf("the shortcut took %d of %d fragments: the test says little", taken, n)
	}
	plain := "<p>Coalition troops raided a house in <b>Ramadi</b> &amp; detained three.</p><p>Officials said <a href=\"https://x.example/a?b=1&amp;c=2\">more</a>.<br/></p>"
	if _, ok := simpleHTMLToText(plain); !ok {
		t.Errorf("a plain feed paragraph should not need the tokenizer: %q", plain)
	}
}

func FuzzSimpleMarkup(f *testing.F) {
	for _, p := range markupPieces {
		f.Add(p + "x" + p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := simpleHTMLToText(s); ok {
			if want := tokenizedToText(s); got != want {
				t.Fatalf("%q:\nshortcut  %q\ntokenizer %q", s, got, want)
			}
		}
	})
}
