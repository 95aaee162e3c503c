package article

import (
	"net/url"
	"strings"
)

// trackingParams are query parameters that say who sent the reader, not
// which article it is.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "mc_cid": true, "mc_eid": true,
	"igshid": true, "yclid": true, "_ga": true, "ref_src": true, "cmpid": true, "ocid": true,
}

// CanonicalLink normalises a link for identity: scheme and host lower-cased,
// default port, fragment and tracking parameters (utm_*, fbclid, gclid…)
// removed. It returns "" for anything but an absolute http(s) URL.
func CanonicalLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	u.Host = strings.ToLower(u.Host)
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// OwnLink reports whether a canonical link can be an article's own: not
// empty, not a site's home page (a feed whose items all link to its home
// page would make them one article).
func OwnLink(canon string) bool {
	u, err := url.Parse(canon)
	return err == nil && canon != "" && strings.Trim(u.Path, "/") != ""
}

// trackingDisplay are parameters dropped from a link shown to a reader
// (besides utm_* and trackingParams): BBC's at_*, heise's wt_mc,
// Yahoo's ncid, and a source/ref/rss marker that only says the reader
// came from a feed (Medium's "?source=rss----…", "?rss=1" of Science and
// bioRxiv). Any other parameter may select the article and stays.
var trackingDisplay = map[string]bool{"wt_mc": true, "ncid": true, "sr_share": true}

// DisplayLink is link as a reader should see it: as the feed wrote it,
// without tracking parameters (see CanonicalLink, trackingDisplay), the
// others kept in their order.
func DisplayLink(link string) string {
	q := strings.IndexByte(link, '?')
	if q < 0 {
		return link
	}
	frag := ""
	if h := strings.IndexByte(link[q:], '#'); h >= 0 {
		frag, link = link[q+h:], link[:q+h]
	}
	var kept []string
	for _, p := range strings.Split(link[q+1:], "&") {
		if p != "" && !trackingParam(p) {
			kept = append(kept, p)
		}
	}
	out := link[:q]
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	return out + frag
}

func trackingParam(pair string) bool {
	k, v, _ := strings.Cut(pair, "=")
	k, _ = url.QueryUnescape(k)
	k, v = strings.ToLower(k), strings.ToLower(v)
	switch {
	case strings.HasPrefix(k, "utm_"), strings.HasPrefix(k, "at_"), trackingParams[k], trackingDisplay[k]:
		return true
	case k == "source" || k == "ref" || k == "feature":
		return strings.HasPrefix(v, "rss") || strings.HasPrefix(v, "feed") || strings.HasPrefix(v, "atom")
	case k == "rss":
		return v == "1" || v == "yes"
	}
	return false
}
