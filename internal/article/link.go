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
