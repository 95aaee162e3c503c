package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/article"
)

var testLists = map[string][]string{
	"islamic_state": {"Islamic State", "ISIS", "ISIL", "Daesh", "case:IS"},
	"anbar":         {"Anbar", "Ramadi", "Fallujah", "al-Qaim", "Haditha*"},
}

// TestQuerySemantics reads as the specification of the query language:
// one row per rule, with an article that must match and one that must not.
type art = article.Article

type semanticsCase struct {
	name  string
	query string
	hit   art
	miss  art
}

var semanticsCases = []semanticsCase{
	{"a word matches whole words only", `leader`,
		art{Title: "IS leader killed"}, art{Title: "IS leadership meets"}},
	{"words are case-insensitive", `leader`,
		art{Title: "LEADER KILLED"}, art{Title: "commander killed"}},
	{"words are accent-insensitive both ways", `Rifaï`,
		art{Content: "Abdallah al-Rifai was killed"}, art{Content: "Abdallah al-Rifaat was killed"}},
	{"an accented article matches a plain query", `rifai`,
		art{Content: "Abdallah al-Rifaï was killed"}, art{Content: "Rifa was killed"}},
	{"a possessive 's is dropped", `"Islamic State leader"`,
		art{Title: "Islamic State’s leader killed"}, art{Title: "Islamic Statesman leader"}},
	{"an apostrophe inside a word is dropped", `Rifai`,
		art{Title: "Rifa'i killed"}, art{Title: "Rifa i killed"}},
	{"hyphens and dots separate words", `"U.S.-led coalition"`,
		art{Content: "backed by the U.S.-led coalition"}, art{Content: "backed by the US-led coalition"}},
	{"a query word with separators is a phrase", `al-Rifai`,
		art{Content: "al Rifai was killed"}, art{Content: "Rifai al was killed"}},
	{"a phrase needs its words in order and adjacent", `"deputy caliph"`,
		art{Content: "He was described as a deputy caliph."}, art{Content: "the caliph and his deputy"}},
	{"a wildcard matches word prefixes", `caliph*`,
		art{Content: "the self-declared caliphate"}, art{Content: "a new khalifa"}},
	{"case: is case-sensitive but whole-word", `case:IS`,
		art{Title: "IS claims attack"}, art{Title: "This is an attack on ISIS"}},
	{"case: applies to phrases", `case:"Islamic State"`,
		art{Title: "Islamic State claims attack"}, art{Title: "an islamic state of mind"}},
	{"adjacency means AND", `leader killed`,
		art{Title: "leader was killed"}, art{Title: "leader was captured"}},
	{"AND needs both", `leader AND killed`,
		art{Title: "killed: a leader"}, art{Title: "leader"}},
	{"OR needs either", `captured OR killed`,
		art{Title: "commander captured"}, art{Title: "commander arrested"}},
	{"NOT excludes", `leader NOT football`,
		art{Title: "IS leader killed"}, art{Title: "football leader wins"}},
	{"- excludes like NOT", `leader -football`,
		art{Title: "IS leader killed"}, art{Title: "football leader wins"}},
	{"AND binds tighter than OR", `raid OR strike AND Anbar`,
		art{Title: "a raid in Mosul"}, art{Title: "a strike in Mosul"}},
	{"parentheses group", `(raid OR strike) AND Anbar`,
		art{Title: "a strike in Anbar"}, art{Title: "a raid in Mosul"}},
	{"NOT binds tighter than AND", `NOT football leader`,
		art{Title: "IS leader"}, art{Title: "football leader"}},
	{"operators are upper case only: or is a word", `raid or strike`,
		art{Title: "raid or strike planned"}, art{Title: "raid planned"}},
	{"NEAR finds words within 10 by default", `coalition NEAR Anbar`,
		art{Content: "the coalition said strikes in Anbar continued"}, art{Content: "the coalition said a, b, c, d, e, f, g, h, i, j in Anbar"}},
	{"NEAR/n limits the distance", `coalition NEAR/3 airstrike`,
		art{Content: "coalition forces led the airstrike"}, art{Content: "coalition forces led the first major airstrike"}},
	{"NEAR works in either order", `airstrike NEAR/3 coalition`,
		art{Content: "coalition forces led the airstrike"}, art{Content: "coalition forces"}},
	{"ONEAR keeps the order", `coalition ONEAR/3 airstrike`,
		art{Content: "coalition forces led the airstrike"}, art{Content: "the airstrike led by coalition"}},
	{"NEAR takes OR groups and phrases", `("U.S.-led" OR coalition) NEAR/5 (raid OR strike)`,
		art{Content: "a U.S.-led raid killed him"}, art{Content: "a U.S.-led effort, after weeks of talks, began a raid"}},
	{"NEAR does not cross fields", `coalition NEAR/5 Anbar`,
		art{Title: "coalition strikes in Anbar"}, art{Title: "coalition strikes", Summary: "Anbar"}},
	{"title: looks in the title only", `title:killed`,
		art{Title: "leader killed"}, art{Title: "leader", Content: "killed"}},
	{"content: looks in the content only", `content:killed`,
		art{Content: "leader killed"}, art{Title: "leader killed"}},
	{"summary: looks in the summary only", `summary:killed`,
		art{Summary: "leader killed"}, art{Content: "leader killed"}},
	{"author: and category: look in those fields", `author:smith category:iraq`,
		art{Author: "Jane Smith", Categories: []string{"Iraq"}}, art{Author: "Jane Smith", Title: "Iraq"}},
	{"a field applies to a group", `title:(raid OR strike)`,
		art{Title: "coalition strike"}, art{Title: "coalition", Content: "strike"}},
	{"site: matches the host and its subdomains", `site:example.com leader`,
		art{Title: "leader", Link: "https://news.example.com/a"}, art{Title: "leader", Link: "https://example.community/a"}},
	{"url: matches the words of the link", `url:iraq`,
		art{Link: "https://news.example/world/iraq/leader"}, art{Link: "https://news.example/world/iran/leader"}},
	{"feed: matches the feed name", `feed:"Military.com" leader`,
		art{Feed: "Military.com", Title: "leader"}, art{Feed: "BBC", Title: "leader"}},
	{"tag: matches a feed tag", `tag:defense leader`,
		art{FeedTags: []string{"defense"}, Title: "leader"}, art{FeedTags: []string{"sport"}, Title: "leader"}},
	{"@list matches any entry", `@islamic_state leader`,
		art{Title: "Daesh leader killed"}, art{Title: "Hamas leader killed"}},
	{"a case: list entry stays case-sensitive", `@islamic_state`,
		art{Title: "IS claims attack"}, art{Title: "this is an attack"}},
	{"a wildcard list entry matches prefixes", `@anbar`,
		art{Title: "fighting near Hadithah"}, art{Title: "fighting near Mosul"}},
	{"a regex matches field text, case-insensitively", `/abu [a-z]+/`,
		art{Content: "known as Abu Khadija"}, art{Content: "known as Khadija"}},
	{"case:/regex/ is case-sensitive", `case:/Abu [A-Z]/`,
		art{Content: "known as Abu Khadija"}, art{Content: "known as abu khadija"}},
	{"Arabic alef forms and ta marbuta fold", `الإسلامية`,
		art{Title: "الدولة الاسلاميه"}, art{Title: "الدولة"}},
	{"Arabic diacritics and tatweel are ignored", `الدولة`,
		art{Title: "الدَّوْلَـة الإسلامية"}, art{Title: "الإسلامية"}},
}

func TestQuerySemantics(t *testing.T) {
	for _, c := range semanticsCases {
		t.Run(c.name, func(t *testing.T) {
			q, err := parseQuery(c.query, testLists)
			if err != nil {
				t.Fatalf("parse %q: %v", c.query, err)
			}
			if ok, _ := eval(q, NewDocument(&c.hit)); !ok {
				t.Errorf("%q should match %+v", c.query, c.hit)
			}
			if ok, _ := eval(q, NewDocument(&c.miss)); ok {
				t.Errorf("%q should not match %+v", c.query, c.miss)
			}
		})
	}
}

func TestQueryErrorsSayWhereAndWhat(t *testing.T) {
	cases := []struct {
		query  string
		offset int
		msg    string
	}{
		{`(coalition OR "U.S.-led") NEAR/15 )`, 34, `expected a word or "(" after NEAR/15, found ")"`},
		{`leader AND`, 10, `expected a word or "(" after AND, found end of query`},
		{`(leader OR killed`, 17, `expected ")" to close the "(" at column 1`},
		{`leader)`, 6, `unbalanced ")"`},
		{`"deputy caliph`, 0, "unterminated phrase"},
		{`NOT leader`, 0, "no positive term"},
		{`-leader -killed`, 0, "no positive term"},
		{`ca*`, 0, "at least 3 characters"},
		{`cal*iph`, 0, "only at the end"},
		{`@nosuch leader`, 0, "unknown list @nosuch"},
		{`titel:leader`, 0, `unknown field "titel"`},
		{`leader NEAR/0 killed`, 7, "NEAR needs a distance"},
		{`(leader AND killed) NEAR/5 raid`, 20, "operands of NEAR/5"},
		{`/[a-/`, 0, "bad regular expression"},
		{`/(a/ leader`, 0, "missing closing )"},
		{``, 0, "query is empty"},
		{strings.Repeat("(", 40) + "leader" + strings.Repeat(")", 40), 32, "nested more than 32 levels"},
		{strings.Repeat("a ", 6000), MaxQueryLen, "the limit is 10000"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			_, err := parseQuery(c.query, testLists)
			qes, ok := err.(QueryErrors)
			if !ok || len(qes) != 1 {
				t.Fatalf("parse %q: got %v, want one problem", c.query, err)
			}
			qe := qes[0]
			if !strings.Contains(qe.Msg, c.msg) || qe.Offset != c.offset {
				t.Errorf("parse %q: got %q at offset %d, want %q at offset %d", c.query, qe.Msg, qe.Offset, c.msg, c.offset)
			}
		})
	}
}

func TestEveryProblemInAQueryIsReported(t *testing.T) {
	q := `leader AND (killed OR ) AND @nosuch AND ca* AND titel:x AND /[/ AND "open`
	_, err := parseQuery(q, testLists)
	qes, ok := err.(QueryErrors)
	if !ok {
		t.Fatalf("got %v", err)
	}
	want := []struct {
		at  string
		msg string
	}{
		{") AND @nosuch", `expected a word or "(" after OR, found ")"`},
		{"@nosuch", "unknown list @nosuch"},
		{"ca*", "at least 3 characters"},
		{"titel:x", `unknown field "titel"`},
		{"/[/", "bad regular expression"},
		{`"open`, "unterminated phrase"},
	}
	if len(qes) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(qes), len(want), qes)
	}
	for i, w := range want {
		if at := strings.Index(q, w.at); qes[i].Offset != at || !strings.Contains(qes[i].Msg, w.msg) {
			t.Errorf("problem %d: got %q at %d, want %q at %d", i, qes[i].Msg, qes[i].Offset, w.msg, at)
		}
	}
}

func TestExplanationGivesTheBestSentenceWithHitsMarked(t *testing.T) {
	a := article.Article{
		Title:   "Iraq news roundup",
		Content: "Parliament met on Monday. The head of the Islamic State was killed in an airstrike in Anbar. Markets were calm.",
	}
	q, err := parseQuery(`"Islamic State" AND killed AND Anbar`, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDocument(&a)
	ok, occs := eval(q, d)
	if !ok {
		t.Fatal("no match")
	}
	ex := explain(d, occs)
	s := ex.Snippet
	if s.Field != "content" || s.Text != "The head of the Islamic State was killed in an airstrike in Anbar." {
		t.Fatalf("snippet = %q from %s", s.Text, s.Field)
	}
	var marked []string
	for _, h := range s.Hits {
		marked = append(marked, s.Text[h.Start:h.End])
	}
	if strings.Join(marked, "|") != "Islamic State|killed|Anbar" {
		t.Errorf("hits = %q", marked)
	}
	if len(ex.Hits) != 3 || ex.Hits[0].Field != "content" {
		t.Errorf("explanation hits = %+v", ex.Hits)
	}
}

func TestSnippetIsAtMost300CharactersAroundTheHit(t *testing.T) {
	long := strings.Repeat("word ", 200) + "the caliph was killed " + strings.Repeat("more ", 200)
	a := article.Article{Content: long}
	q, _ := parseQuery(`caliph killed`, nil)
	d := NewDocument(&a)
	_, occs := eval(q, d)
	s := explain(d, occs).Snippet
	if n := len([]rune(s.Text)); n > MaxSnippet {
		t.Fatalf("snippet has %d characters", n)
	}
	if len(s.Hits) != 2 || s.Text[s.Hits[0].Start:s.Hits[0].End] != "caliph" {
		t.Errorf("hits not kept in the cut snippet: %q %+v", s.Text, s.Hits)
	}
	if !strings.HasPrefix(s.Text, "…") || !strings.HasSuffix(s.Text, "…") {
		t.Errorf("cut snippet should show ellipses: %q", s.Text)
	}
}

func TestSentencesEndAfterClosingQuotesAndNotAfterInitials(t *testing.T) {
	text := "He was known as “Abu Khadija.” The U.S. coalition struck. Gen. Smith said so! Done"
	var got []string
	for _, s := range sentences(text) {
		got = append(got, text[s[0]:s[1]])
	}
	want := []string{"He was known as “Abu Khadija.”", "The U.S. coalition struck.", "Gen. Smith said so!", "Done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sentences = %q, want %q", got, want)
	}
}

func TestWhyNotNamesTheMissingPart(t *testing.T) {
	cases := []struct {
		query, title, want string
	}{
		{`leader AND killed`, "leader captured", "killed does not appear"},
		{`(killed OR captured) AND leader`, "leader arrested", "none of (killed OR captured) appears"},
		{`@islamic_state leader`, "the leader is dead", "no entry of @islamic_state appears"},
		{`leader NOT football`, "football leader", "excluded football (in the title) appears"},
		{`coalition NEAR/2 Anbar`, "coalition forces said on Friday that in Anbar", "coalition and Anbar both appear, but not within 2 words of each other in one field (NEAR/2)"},
		{`coalition ONEAR/5 Anbar`, "Anbar strikes by the coalition", "coalition and Anbar both appear, but not within 5 words after it in one field (ONEAR/5)"},
	}
	for _, c := range cases {
		n, err := parseQuery(c.query, testLists)
		if err != nil {
			t.Fatal(err)
		}
		r := &Rule{query: n}
		if got := r.WhyNot(NewDocument(&article.Article{Title: c.title})); got != c.want {
			t.Errorf("%q on %q:\n got %s\nwant %s", c.query, c.title, got, c.want)
		}
	}
}

// TestSnippetsKnowMonthsAndLeaveBoilerplateOut: "Nov. 29" does not end a
// sentence, and a publisher's footer is matched but never quoted.
func TestSnippetsKnowMonthsAndLeaveBoilerplateOut(t *testing.T) {
	text := "The strike happened on Nov. 29, U.S. Central Command said. Lt. Col. Ali confirmed it.\nRead more about Anbar\nThe post Strike in Anbar appeared first on Anbar Monitor.\nArticle URL: https://example.com/anbar"
	var got []string
	sents := sentences(text)
	for i, ok := range quotable(text, "", sents) {
		if ok {
			got = append(got, text[sents[i][0]:sents[i][1]])
		}
	}
	want := []string{"The strike happened on Nov. 29, U.S. Central Command said.", "Lt. Col. Ali confirmed it."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sentences = %q, want %q", got, want)
	}
	a := article.Article{Title: "Strike", Content: "Officials said little.\nThe post Strike in Anbar appeared first on Anbar Monitor."}
	q, _ := parseQuery(`Anbar`, nil)
	d := NewDocument(&a)
	ok, occs := eval(q, d)
	if !ok {
		t.Fatal("boilerplate is no longer matched")
	}
	if s := explain(d, occs).Snippet; strings.Contains(s.Text, "appeared first") {
		t.Errorf("snippet quotes the footer: %q", s.Text)
	}
}

// TestWindowRunesCountsTheCharactersOfTwoSentences: a snippet of two
// sentences is refused over MaxSnippet characters; the count comes from
// the sentences' characters counted once per document, and must equal
// counting the window's text, whatever characters it holds.
func TestWindowRunesCountsTheCharactersOfTwoSentences(t *testing.T) {
	pieces := []string{"Troops", "raided", "Ramadi", "Mossoul", " ", "  ", ". ", ".\n", "? ", "Gen. ", "U.S. ", "\n\n", "é", "中文", "—"}
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 4000 {
		ascii := n%2 == 0 // half the texts ASCII: as many characters as bytes
		var b strings.Builder
		for range rng.IntN(60) {
			if ascii {
				b.WriteString(pieces[rng.IntN(len(pieces)-3)])
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		d := NewDocument(&article.Article{Content: b.String()})
		sents := d.sentences(fieldContent)
		for i := range sents {
			for j := i; j < len(sents) && j <= i+1; j++ {
				want := utf8.RuneCountInString(d.text[fieldContent][sents[i][0]:sents[j][1]])
				if got := d.windowRunes(fieldContent, i, j); got != want {
					t.Fatalf("%q: sentences %d to %d hold %d characters, windowRunes says %d", b.String(), i, j, want, got)
				}
			}
		}
	}
}
