package feed

import (
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/feedwatch/feedwatch/internal/article"
)

// feedLink is the link an item has always been known by: its link, else
// its first other link (JSON Feed's external_url, Atom's other links),
// else a permalink GUID. The item's identity is made from it, unchanged.
func feedLink(base *url.URL, it *gofeed.Item) string {
	if l := absLink(base, it.Link); l != "" {
		return l
	}
	for _, l := range it.Links {
		if l := absLink(base, l); l != "" {
			return l
		}
	}
	return absLink(nil, it.GUID)
}

// articleLink is the link a reader is shown: the article's own address
// when the feed names it behind a redirect (feedburner:origLink or any
// other origLink; a Google News or Google Alerts redirect whose url=
// names the target), else feedLink, else an <atom:link> of an RSS item,
// else its enclosure (a podcast episode); tracking parameters dropped
// (article.DisplayLink).
func articleLink(base *url.URL, it *gofeed.Item, known string) string {
	link := known
	for _, exts := range it.Extensions {
		for name, es := range exts {
			if strings.EqualFold(name, "origLink") {
				if l := absLink(base, extValue(es)); l != "" {
					link = l
				}
			}
		}
	}
	if link == "" {
		for _, e := range it.Extensions["atom"]["link"] {
			if rel := e.Attrs["rel"]; rel == "" || rel == "alternate" {
				if link = absLink(base, e.Attrs["href"]); link != "" {
					break
				}
			}
		}
	}
	for _, e := range it.Enclosures {
		if link == "" && e != nil {
			link = absLink(base, e.URL)
		}
	}
	return article.DisplayLink(unwrapRedirect(link))
}

// unwrapRedirect gives the target of a Google redirect that names it
// (news.google.com/news/url?…&url=https://…, www.google.com/url?…&url=…);
// any other link is returned as it is. Google News links that encode
// their target (news.google.com/rss/articles/CBMi…) cannot be read
// without asking Google, and stay.
func unwrapRedirect(link string) string {
	u, err := url.Parse(link)
	if err != nil || !(u.Host == "news.google.com" || u.Host == "www.google.com" || u.Host == "google.com") {
		return link
	}
	if u.Path != "/url" && u.Path != "/news/url" {
		return link
	}
	q := u.Query()
	for _, k := range []string{"url", "q"} {
		if t := absLink(nil, q.Get(k)); t != "" {
			return t
		}
	}
	return link
}
