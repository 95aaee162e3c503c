package article

import "testing"

func TestCanonicalLink(t *testing.T) {
	cases := map[string]string{
		"HTTPS://News.Example.COM:443/a/b?utm_source=x&utm_medium=y&id=3#top": "https://news.example.com/a/b?id=3",
		"http://example.com?fbclid=abc&gclid=def":                             "http://example.com/",
		"https://example.com/a?b=1&a=2":                                       "https://example.com/a?a=2&b=1",
		"javascript:alert(1)":                                                 "",
		"/relative/path":                                                      "",
	}
	for in, want := range cases {
		if got := CanonicalLink(in); got != want {
			t.Errorf("CanonicalLink(%q) = %q, want %q", in, got, want)
		}
	}
}
