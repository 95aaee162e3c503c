package feed

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Get fetches a URL that may be a feed or a web page, with the fetcher's
// limits, and reads it as ReadDocument does.
func (f *Fetcher) Get(ctx context.Context, rawURL string) ([]article.Article, Kind, error) {
	resp, err := f.get(ctx, rawURL, Validators{})
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, "", &HTTPError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), f.Now())}
	}
	body, release, err := f.readLimited(ctx, resp.Body)
	if err != nil {
		return nil, "", err
	}
	defer release()
	final := resp.Request.URL.String()
	return f.ReadDocument(body, resp.Header.Get("Content-Type"), Source{Name: final, URL: final})
}

// Kind is what a document was read as.
type Kind string

// The kinds of document ReadDocument reads.
const (
	KindFeed Kind = "feed"
	KindPage Kind = "HTML page"
	KindText Kind = "plain text"
)

// kindOf says how ReadDocument reads a document, decoded: as a feed (RSS,
// Atom, JSON Feed, or anything that looks like XML, which the daemon would
// try as a feed), as an HTML page (a doctype or <html> first, or served as
// text/html), or as plain text.
func kindOf(text []byte, contentType string) Kind {
	if gofeed.DetectFeedType(bytes.NewReader(text)) != gofeed.FeedTypeUnknown || looksLikeXML(text) {
		return KindFeed
	}
	head := strings.ToLower(string(bytes.TrimSpace(text[:min(len(text), 512)])))
	if strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(contentType, "text/html") {
		return KindPage
	}
	return KindText
}

// ReadDocument turns a document into articles, and says what kind of
// document it was: every item of an RSS, Atom or JSON feed; the one
// article of an HTML page (its title, and the text of its <article>,
// <main> or <body>); or, for anything else, a plain-text article whose
// first non-empty line is the title.
func (f *Fetcher) ReadDocument(body []byte, contentType string, src Source) ([]article.Article, Kind, error) {
	text := toUTF8(body, contentType)
	kind := kindOf(text, contentType)
	var a article.Article
	switch kind {
	case KindFeed:
		// As the daemon reads it: a document it would refuse is refused
		// here too, not read as a plain-text article.
		if err := checkDocument(body); err != nil {
			return nil, kind, err
		}
		arts, err := f.parseText(text, src, src.URL)
		return arts, kind, err
	case KindPage:
		a = pageArticle(text)
		a.Link = absLink(nil, src.URL)
	default:
		a = article.FromText(string(text))
	}
	a.Feed, a.FeedTags = src.Name, src.Tags
	a.Identity = identity("", a.Link, a.Title, a.Published)
	return []article.Article{a}, kind, nil
}

// pageArticle reads a web page: the title from <title> (or og:title), the
// content from its main text.
func pageArticle(page []byte) article.Article {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return article.Article{Content: HTMLToText(string(page))}
	}
	var title, ogTitle string
	var main, body *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Title:
				if title == "" && n.FirstChild != nil {
					title = n.FirstChild.Data
				}
			case atom.Meta:
				if attr(n, "property") == "og:title" {
					ogTitle = attr(n, "content")
				}
			case atom.Article, atom.Main:
				if main == nil {
					main = n
				}
			case atom.Body:
				body = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if ogTitle != "" {
		title = ogTitle
	}
	pick := main
	if pick == nil {
		pick = body
	}
	var b strings.Builder
	if pick != nil {
		html.Render(&b, pick)
	}
	return article.Article{Title: oneLine(title), Content: HTMLToText(b.String())}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// looksLikeXML reports an XML document that is not HTML: what the daemon
// would try to read as a feed.
func looksLikeXML(text []byte) bool {
	head := strings.ToLower(string(bytes.TrimSpace(text[:min(len(text), 512)])))
	return strings.HasPrefix(head, "<?xml") && !strings.Contains(head, "<html") && !strings.Contains(head, "<!doctype html")
}
