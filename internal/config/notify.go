package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Notify is one [[notify]] entry: a URL kiln serve calls after each
// publish of the targets it names (see internal/daemon/notify.go).
type Notify struct {
	// URL is called with Method: "GET" (HaikuPorter's
	// REPOSITORY_TRIGGER_URL, e.g. HaikuDepotServer's repository import)
	// or "POST" (default) with a JSON body of the target, the snapshot
	// and the packages added and removed. The URL is a secret when it
	// carries a token; it is never logged (its host is).
	URL Secret `toml:"url"`
	// URLFile is a file holding URL (one of the two).
	URLFile string `toml:"url_file"`
	Method  string `toml:"method"` // "GET" or "POST" (default), see url
	// Targets are the "branch/arch" names it is called for (default: all).
	Targets []string `toml:"targets"`
	// Timeout bounds each attempt (default 10s); Retries is how many
	// attempts follow a failed one (default 3), Backoff the wait before the
	// first retry, doubled after each (default 1s).
	Timeout builder.Duration `toml:"timeout"`
	Retries *int             `toml:"retries"`
	Backoff builder.Duration `toml:"backoff"`
}

// Notify defaults.
const (
	DefaultNotifyTimeout = 10 * time.Second
	DefaultNotifyRetries = 3
	DefaultNotifyBackoff = time.Second
	maxNotifyRetries     = 20
)

// Resolved returns the entry with the URL read from URLFile and the
// defaults applied.
func (n Notify) Resolved() (Notify, error) {
	if n.URLFile != "" {
		s, err := readSecret(n.URLFile)
		if err != nil {
			return n, fmt.Errorf("%w: url_file: %v", ErrInvalid, err)
		}
		n.URL = Secret(s)
	}
	if n.Method == "" {
		n.Method = "POST"
	}
	n.Method = strings.ToUpper(n.Method)
	if n.Timeout <= 0 {
		n.Timeout = builder.Duration(DefaultNotifyTimeout)
	}
	if n.Retries == nil {
		r := DefaultNotifyRetries
		n.Retries = &r
	}
	if n.Backoff <= 0 {
		n.Backoff = builder.Duration(DefaultNotifyBackoff)
	}
	return n, nil
}

// For reports whether the entry is called for target name.
func (n Notify) For(name string) bool {
	if len(n.Targets) == 0 {
		return true
	}
	for _, t := range n.Targets {
		if t == name {
			return true
		}
	}
	return false
}

func validateNotify(ns []Notify, targets map[string]bool) []error {
	var errs []error
	for i, n := range ns {
		key := fmt.Sprintf("notify[%d]", i)
		bad := func(k, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%w: %s%s: %s", ErrInvalid, key, k, fmt.Sprintf(format, args...)))
		}
		if n.URL != "" && n.URLFile != "" {
			bad("", "url and url_file both set (want one)")
			continue
		}
		r, err := n.Resolved()
		if err != nil {
			bad(".url_file", "%v", err)
			continue
		}
		if r.URL == "" {
			bad(".url", "required (or url_file)")
		} else if u, err := url.Parse(string(r.URL)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// the URL may hold a token: not quoted in the error
			bad(".url", "not an http:// or https:// URL")
		}
		if r.Method != "GET" && r.Method != "POST" {
			bad(".method", "%q (want GET or POST)", n.Method)
		}
		if *r.Retries < 0 || *r.Retries > maxNotifyRetries {
			bad(".retries", "%d (want 0 to %d)", *r.Retries, maxNotifyRetries)
		}
		for _, t := range n.Targets {
			if !targets[t] {
				bad(".targets", "no target %q", t)
			}
		}
	}
	return errs
}
