package feed

import (
	"encoding/json"
	"strconv"
)

// repairJSONFeed makes a JSON Feed that gofeed refuses for one field of
// the wrong type readable, as Miniflux reads it: an "authors" object
// becomes a list of one, an "author" string an author of that name,
// "tags" as one string a list of one, a number where text belongs (an
// "id" of 42) that text, an object where a URL belongs its "url", and
// any other value of the wrong type is dropped. One bad field no longer
// loses every item of the feed.
func repairJSONFeed(text []byte) ([]byte, bool) {
	var doc map[string]any
	if json.Unmarshal(text, &doc) != nil {
		return nil, false
	}
	fixJSONFields(doc)
	items, _ := doc["items"].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			fixJSONFields(m)
		}
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}

var jsonTextFields = []string{"id", "url", "external_url", "title", "content_html", "content_text", "summary",
	"image", "banner_image", "date_published", "date_modified", "home_page_url", "feed_url", "description", "icon", "favicon"}

func fixJSONFields(m map[string]any) {
	if a, ok := m["authors"].(map[string]any); ok {
		m["authors"] = []any{a}
	}
	if s, ok := m["author"].(string); ok {
		m["author"] = map[string]any{"name": s}
	}
	if s, ok := m["tags"].(string); ok {
		m["tags"] = []any{s}
	}
	for _, k := range jsonTextFields {
		switch v := m[k].(type) {
		case float64:
			m[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case map[string]any:
			if u, ok := v["url"].(string); ok {
				m[k] = u
			} else {
				delete(m, k)
			}
		case []any, bool:
			delete(m, k)
		}
	}
}
