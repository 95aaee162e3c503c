package config

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// readOPML reads the feeds of an OPML subscription list (feeds_file:),
// as feed readers export them: every <outline> with an xmlUrl is a feed,
// named by its title (else its text, else its URL); the outlines it sits
// in, and its category attribute ("/Iraq/Defense,wire"), are its tags.
// Each feed remembers the file and line it came from, so a problem with
// it is reported there.
func readOPML(path string) ([]Feed, error) {
	data, err := diag.ReadFile(path, 4<<20)
	if err != nil {
		return nil, fmt.Errorf("cannot read the feeds file: %v", err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var feeds []Feed
	var folders []string // the outlines open around the current one
	opml := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, fmt.Errorf("%s:%d: not a readable OPML file: %v", path, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			opml = opml || strings.EqualFold(t.Name.Local, "opml")
			if !strings.EqualFold(t.Name.Local, "outline") {
				continue
			}
			a := attrs(t)
			name := strings.TrimSpace(cmp.Or(a["title"], a["text"]))
			if a["xmlurl"] == "" {
				folders = append(folders, name)
				continue
			}
			line, _ := d.InputPos()
			f := Feed{Name: cmp.Or(name, a["xmlurl"]), URL: strings.TrimSpace(a["xmlurl"]), Origin: path, Line: line}
			f.Tags = tagsOf(folders, a["category"])
			feeds = append(feeds, f)
			folders = append(folders, "") // its own end tag closes it
		case xml.EndElement:
			if strings.EqualFold(t.Name.Local, "outline") && len(folders) > 0 {
				folders = folders[:len(folders)-1]
			}
		}
	}
	if !opml {
		return nil, fmt.Errorf("%s: not an OPML file (no <opml> element)", path)
	}
	return feeds, nil
}

func attrs(t xml.StartElement) map[string]string {
	m := map[string]string{}
	for _, a := range t.Attr {
		m[strings.ToLower(a.Name.Local)] = a.Value
	}
	return m
}

// tagsOf makes a feed's tags from the folders around it and its category
// attribute, each once, in order.
func tagsOf(folders []string, category string) []string {
	var tags []string
	seen := map[string]bool{}
	add := func(t string) {
		if t = strings.TrimSpace(t); t != "" && !seen[strings.ToLower(t)] {
			seen[strings.ToLower(t)] = true
			tags = append(tags, t)
		}
	}
	for _, f := range folders {
		add(f)
	}
	for _, c := range strings.Split(category, ",") {
		for _, part := range strings.Split(c, "/") {
			add(part)
		}
	}
	return tags
}

// WriteOPML writes feeds as an OPML 2.0 subscription list that readOPML
// (and any feed reader) reads back: one outline per feed, its tags in the
// category attribute.
func WriteOPML(w io.Writer, title string, feeds []Feed) error {
	type outline struct {
		Text     string `xml:"text,attr"`
		Title    string `xml:"title,attr"`
		Type     string `xml:"type,attr"`
		XMLURL   string `xml:"xmlUrl,attr"`
		Category string `xml:"category,attr,omitempty"`
	}
	doc := struct {
		XMLName  xml.Name  `xml:"opml"`
		Version  string    `xml:"version,attr"`
		Title    string    `xml:"head>title"`
		Outlines []outline `xml:"body>outline"`
	}{Version: "2.0", Title: title}
	for _, f := range feeds {
		doc.Outlines = append(doc.Outlines, outline{Text: f.Name, Title: f.Name, Type: "rss", XMLURL: f.URL, Category: strings.Join(f.Tags, ",")})
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
