package feed

import (
	"cmp"
	"encoding/base64"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/feedwatch/feedwatch/internal/article"
)

// toArticles turns gofeed items into articles of the named feed. base
// resolves relative links; now replaces absurd dates (more than a day in
// the future) so they cannot pin an article at the top.
func toArticles(f *gofeed.Feed, kinds []itemKinds, src Source, base string, now time.Time) []article.Article {
	baseURL, _ := url.Parse(base)
	if f.Link != "" {
		if l, err := url.Parse(f.Link); err == nil && l.IsAbs() {
			baseURL = l
		}
	}
	out := make([]article.Article, 0, len(f.Items))
	seen := map[string]bool{}
	for i, it := range f.Items {
		if it == nil {
			continue
		}
		if len(out) == MaxItems {
			break
		}
		k := kinds[i]
		a := article.Article{
			Feed:     src.Name,
			FeedTags: src.Tags,
			Title:    itemTitle(it.Title, k.title),
			Summary:  textOf(it.Description, k.summary),
			Content:  textOf(it.Content, k.content),
		}
		known := feedLink(baseURL, it)
		a.Link = articleLink(baseURL, it, known)
		moreText(&a, it)
		if a.Summary == a.Content {
			a.Content = ""
		}
		switch {
		case it.Author != nil && it.Author.Name != "":
			a.Author = oneLine(plainText(it.Author.Name))
		case len(it.Authors) > 0 && it.Authors[0] != nil:
			a.Author = oneLine(plainText(it.Authors[0].Name))
		}
		for _, c := range it.Categories {
			if c = oneLine(plainText(c)); c != "" {
				a.Categories = append(a.Categories, c)
			}
		}
		a.Published = itemDate(it, src.Zone)
		if a.Published.After(now.Add(24*time.Hour)) || a.Published.Year() < 1990 {
			a.Published = time.Time{}
		}
		a.Identity = identity(it.GUID, known, a.Title, a.Published)
		if a.Title == "" { // a Mastodon or micro.blog post: a headline from its text
			a.Title, a.MadeUp = article.MadeUpTitle(cmp.Or(a.Summary, a.Content)), true
		}
		if seen[a.Identity] || (a.Title == "" && a.Summary == "" && a.Content == "" && a.Link == "") {
			continue // duplicate items in one document, or nothing at all
		}
		seen[a.Identity] = true
		out = append(out, a)
	}
	return out
}

// itemDate is when an item was published, else updated: read by ParseDateIn,
// or by gofeed when ParseDate cannot read the string; zero when neither can.
func itemDate(it *gofeed.Item, zone *time.Location) time.Time {
	for _, d := range []struct {
		text   string
		parsed *time.Time
	}{{it.Published, it.PublishedParsed}, {it.Updated, it.UpdatedParsed}} {
		if t, ok := ParseDateIn(d.text, zone); ok {
			return t
		}
		if d.parsed != nil {
			return d.parsed.UTC()
		}
	}
	return time.Time{}
}

// moreText fills what gofeed leaves empty from the places real feeds put
// it: media:title and media:description, at item level or in a
// media:group (a YouTube channel's items); RSS <summary>; the full text of
// RSS <body> or <fullitem>.
func moreText(a *article.Article, it *gofeed.Item) {
	media := it.Extensions["media"]
	pick := func(name string) string {
		if v := extValue(media[name]); v != "" {
			return v
		}
		for _, g := range media["group"] {
			if v := extValue(g.Children[name]); v != "" {
				return v
			}
		}
		return ""
	}
	if a.Title == "" {
		a.Title = itemTitle(pick("title"), asGuess)
	}
	if a.Summary == "" {
		a.Summary = textOf(it.Custom["summary"], asGuess)
	} else if a.Content == "" {
		a.Content = textOf(it.Custom["summary"], asGuess) // an RSS item with both: neither is lost
	}
	if a.Summary == "" {
		a.Summary = textOf(pick("description"), asGuess)
	}
	for _, name := range []string{"body", "fullitem"} {
		if a.Content == "" {
			a.Content = textOf(it.Custom[name], asHTML)
		}
	}
}

// decodeBase64 decodes Atom 0.3 text sent with mode="base64", which
// gofeed passes on encoded. Only called for a document that says base64,
// and only text that decodes, in full, to valid UTF-8 without control
// characters is replaced: a word that happens to be valid base64 stays.
func decodeBase64(f *gofeed.Feed) {
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		for _, s := range []*string{&it.Title, &it.Content, &it.Description} {
			t := strings.TrimSpace(*s)
			if len(t) < 16 || strings.ContainsAny(t, " <&") {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(t), ""))
			if err == nil && utf8.Valid(raw) && !strings.ContainsFunc(string(raw), isControl) {
				*s = string(raw)
			}
		}
	}
}

func isControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

func extValue(exts []ext.Extension) string {
	for _, e := range exts {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// itemTitle is an item's title as kept: one line of article.MaxTitle bytes,
// read as its kind from at most four times as much, double-encoded UTF-8
// repaired.
func itemTitle(s string, k textKind) string {
	return article.Clip(oneLine(repairDoubleEncoded(readAs(article.Clip(s, article.MaxTitle*4), k))), article.MaxTitle)
}

// textOf is an item's summary or text as kept: article.MaxText bytes,
// read as its kind from at most four times as much.
func textOf(s string, k textKind) string {
	return article.Clip(repairDoubleEncoded(readAs(article.Clip(s, article.MaxText*4), k)), article.MaxText)
}

// absLink resolves link against base and keeps it only if it is http(s).
func absLink(base *url.URL, link string) string {
	link = strings.TrimSpace(html.UnescapeString(link)) // "&amp;" left in a CDATA link
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	// An internationalised host stays readable (bücher.example), as the
	// feed wrote it; Go would print it percent-encoded.
	return strings.Replace(u.String(), url.PathEscape(u.Host), u.Host, 1)
}
