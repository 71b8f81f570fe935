package daemon

import (
	"net/url"
	"regexp"
	"strings"
)

// redactURL is u for logs and errors: without user info, query and
// fragment (where tokens travel), its path kept only for git URLs that
// carry no query.
func redactURL(u string) string {
	if !strings.Contains(u, "://") {
		return u // a path or an scp-like git address: no secret syntax
	}
	p, err := url.Parse(u)
	if err != nil {
		return "[unparsable URL]"
	}
	p.User = nil
	if p.RawQuery != "" {
		p.RawQuery = "[redacted]"
	}
	p.Fragment = ""
	return p.String()
}

// redactHost is only u's scheme and host, for URLs that may carry a
// token anywhere (notify URLs).
func redactHost(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "[URL]"
	}
	return p.Scheme + "://" + p.Host + "/…"
}

var userInfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

// redactText removes user info from URLs in text (git's messages).
func redactText(s string) string { return userInfo.ReplaceAllString(s, "${1}[redacted]@") }
