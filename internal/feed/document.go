package feed

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedwatch/feedwatch/internal/article"
)

// Get fetches a URL that may be a feed or a web page, with the fetcher's
// limits, and reads it as ReadDocument does.
func (f *Fetcher) Get(ctx context.Context, rawURL string) ([]article.Article, Kind, error) {
	resp, err := f.get(ctx, rawURL, Validators{}, Request{})
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

// ReadDocument turns a document into articles as a poll reads it, and
// says what kind of document it was. A feed (RSS, Atom, JSON Feed) gives
// its items, exactly as a poll gives them; anything a poll refuses is
// refused with the poll's own error, except two kinds feedwatch test also
// reads: an HTML page, as one article (its title and the text of its
// <article>, <main> or <body>), and plain text (no markup at all), as
// one article whose first non-empty line is the title. For those two the
// error a poll would give is returned with the article (refusal), so the
// caller can say that a poll refuses them.
func (f *Fetcher) ReadDocument(body []byte, contentType string, src Source) (arts []article.Article, kind Kind, refusal error) {
	text := toUTF8(body, contentType) // decoded once: for the feed, or for the page or text it may be
	err := checkDocument(body)        // then as a poll reads it (Fetcher.parse)
	if err == nil {
		if arts, err = f.parseText(text, src, src.URL); err == nil {
			return arts, KindFeed, nil
		}
	}
	var a article.Article
	switch kind = otherKind(text, contentType); kind {
	case KindPage:
		a = pageArticle(text)
		a.Link = absLink(nil, src.URL)
	case KindText:
		a = article.FromText(string(text))
	default:
		return nil, KindFeed, err
	}
	a.Feed, a.FeedTags = src.Name, src.Tags
	a.Identity = identity("", a.Link, a.Title, a.Published)
	return []article.Article{a}, kind, err
}

// otherKind says what a document that is not a feed is: an HTML page (a
// doctype, <html>, <head> or <body> first, or served as text/html), plain
// text (nothing that looks like markup or JSON), or "" for anything else
// (an XML document of another kind, a comment, JSON that is not a feed).
func otherKind(text []byte, contentType string) Kind {
	trimmed := bytes.TrimSpace(text)
	if isHTML(trimmed) || strings.Contains(contentType, "text/html") {
		return KindPage
	}
	if len(trimmed) == 0 || bytes.IndexByte([]byte("<{["), trimmed[0]) >= 0 {
		return ""
	}
	return KindText
}

// isHTML reports a document that starts as a web page does.
func isHTML(trimmed []byte) bool {
	head := strings.ToLower(string(trimmed[:min(len(trimmed), 512)]))
	if strings.HasPrefix(head, "<!doctype html") {
		return true
	}
	switch strings.ToLower(rootElement(trimmed)) {
	case "html", "head", "body":
		return true
	}
	return false
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
