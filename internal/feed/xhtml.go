package feed

import (
	"bytes"
	"strings"

	"github.com/mmcdole/gofeed"
)

// xhtmlBodies gives RSS items their <xhtml:body> (or <body> in the XHTML
// namespace) as content when they have none. gofeed hands such a body over
// as a tree of extension elements that has lost the order of its
// children, so the markup is taken from the document itself: the n-th
// <item> of the document is the n-th item gofeed read, and nothing is
// done when the counts differ. CDATA sections are skipped, so HTML inside
// a description is never taken for a body.
func xhtmlBodies(text []byte, f *gofeed.Feed) {
	if f.FeedType != "rss" || !bytes.Contains(text, []byte(xhtmlNS)) {
		return
	}
	items := elementsNamed(text, "item")
	if len(items) != len(f.Items) {
		return
	}
	for i, it := range f.Items {
		if it == nil || it.Content != "" {
			continue
		}
		region := withoutCDATA(items[i])
		for _, name := range []string{"xhtml:body", "body"} {
			bodies := elementsNamed(region, name)
			if len(bodies) == 0 || it.Content != "" {
				continue
			}
			// A plain <body> holds escaped HTML, which gofeed reads; only
			// one in the XHTML namespace holds markup.
			tag := bodies[0][:bytes.IndexByte(bodies[0], '>')+1]
			if name == "xhtml:body" || bytes.Contains(tag, []byte(xhtmlNS)) {
				// <xhtml:p> is <p>: its paragraph breaks must survive.
				it.Content = xhtmlPrefix.Replace(string(inner(bodies[0])))
			}
		}
	}
}

// xhtmlNS is the XHTML namespace, which a document with an XHTML body
// must declare.
const xhtmlNS = "http://www.w3.org/1999/xhtml"

var xhtmlPrefix = strings.NewReplacer("<xhtml:", "<", "</xhtml:", "</")

// elementsNamed finds the elements <name …>…</name> of a document, in
// order, outermost only.
func elementsNamed(doc []byte, name string) [][]byte {
	open, closing := []byte("<"+name), []byte("</"+name+">")
	var out [][]byte
	for i := 0; i < len(doc); {
		k := bytes.Index(doc[i:], open)
		if k < 0 {
			break
		}
		start := i + k
		after := start + len(open)
		if after >= len(doc) || !(doc[after] == '>' || doc[after] == ' ' || doc[after] == '\t' || doc[after] == '\n' || doc[after] == '\r') {
			i = after
			continue
		}
		e := bytes.Index(doc[after:], closing)
		if e < 0 {
			break
		}
		end := after + e + len(closing)
		out = append(out, doc[start:end])
		i = end
	}
	return out
}

// inner is an element's content, without its own tags.
func inner(element []byte) []byte {
	gt := bytes.IndexByte(element, '>')
	lt := bytes.LastIndexByte(element, '<')
	if gt < 0 || lt <= gt {
		return nil
	}
	return element[gt+1 : lt]
}

func withoutCDATA(b []byte) []byte {
	var out []byte
	for {
		k := bytes.Index(b, []byte("<![CDATA["))
		if k < 0 {
			return append(out, b...)
		}
		out = append(out, b[:k]...)
		e := bytes.Index(b[k:], []byte("]]>"))
		if e < 0 {
			return out
		}
		b = b[k+e+3:]
	}
}
