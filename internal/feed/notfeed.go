package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// notAFeed says why a document gofeed does not recognise is not a feed:
// the root element of an XML document that is not one (an OPML list of
// subscriptions, a sitemap), else that the URL is likely a web page.
func notAFeed(text []byte) error {
	const msg = "parse feed: not an RSS, Atom or JSON feed"
	root := rootElement(text)
	trimmed := bytes.TrimSpace(text)
	switch {
	case root == "" && bytes.HasPrefix(trimmed, []byte("<")):
		return errors.New(msg + ": it holds no element (only comments or declarations)")
	case root == "" && (bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("["))):
		return errors.New(msg + ": it is JSON of another kind")
	case root == "":
		return errors.New(msg + ": it is neither XML nor JSON (plain text?)")
	case isHTML(trimmed):
		return errors.New(msg + ": it is an HTML page")
	case strings.EqualFold(root, "opml"):
		return errors.New(msg + ": it is an OPML list of subscriptions (add its feeds to the config one by one)")
	}
	return fmt.Errorf("%s: its root element is <%s>", msg, root)
}

// rootElement is the name of an XML document's first element, or "" when
// the document does not start as XML.
func rootElement(text []byte) string {
	trimmed := bytes.TrimSpace(text)
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		return ""
	}
	d := xml.NewDecoder(bytes.NewReader(trimmed[:min(len(trimmed), 64<<10)]))
	d.Strict = false
	for range 64 {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}
