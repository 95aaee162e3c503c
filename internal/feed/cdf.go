package feed

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/mmcdole/gofeed"
)

// parseCDF reads Microsoft's Channel Definition Format (1997), which
// feedparser reads and gofeed does not: a <CHANNEL HREF=…> of <ITEM
// HREF=… LASTMOD=…> with <TITLE> and <ABSTRACT>, names in any letter
// case. ok is false for a document whose root is not <CHANNEL>.
func parseCDF(text []byte) (*gofeed.Feed, bool) {
	if !strings.EqualFold(rootElement(text), "channel") {
		return nil, false
	}
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = false
	f := &gofeed.Feed{FeedType: "cdf"}
	var item *gofeed.Item
	for {
		tok, err := d.Token()
		if err != nil {
			return f, true
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			if ee, end := tok.(xml.EndElement); end && strings.EqualFold(ee.Name.Local, "item") {
				item = nil
			}
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "channel":
			if f.Link == "" {
				f.Link = cdfAttr(se, "href")
			}
		case "item":
			item = &gofeed.Item{Link: cdfAttr(se, "href"), Updated: cdfAttr(se, "lastmod")}
			f.Items = append(f.Items, item)
		case "title", "abstract":
			var s string
			if d.DecodeElement(&s, &se) != nil || item == nil {
				continue
			}
			if strings.EqualFold(se.Name.Local, "title") {
				item.Title = s
			} else {
				item.Description = s
			}
		}
	}
}

func cdfAttr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}
