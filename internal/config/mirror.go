package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Mirror is one [[mirror]] entry: a second store (another provider) kiln
// serve keeps a copy of targets in, in the same layout with the same head
// (internal/mirror, docs/mirror.md), brought in step in the background
// after each publish of a target, once at start and every interval.
type Mirror struct {
	// URL is the mirror's store, as [store] url (a directory, file:///dir
	// or s3://bucket/prefix?options); it must not be the store itself. A
	// missing directory is created.
	URL string `toml:"url"`
	// Targets are the "branch/arch" names mirrored (default: all).
	Targets []string `toml:"targets"`
	// Delete removes from the mirror what the store no longer holds
	// (snapshots and build-packages repositories prune removed, package
	// files no remaining snapshot lists), so it follows the store's
	// retention; default false: a mirror never deletes.
	Delete bool `toml:"delete"`
	// Interval is how often a pass runs without a publish (default 1h), so
	// the mirror catches up after a failure, or with changes made by kiln
	// repo commands from elsewhere (an up-to-date pass costs about 25
	// requests).
	Interval builder.Duration `toml:"interval"`
	// Retries is how many passes follow a failed one (default 3), Backoff
	// the wait before the first retry, doubled after each (default 10s).
	// A failure never blocks publishing; the next publish tries again.
	Retries *int             `toml:"retries"`
	Backoff builder.Duration `toml:"backoff"`
}

// Mirror defaults.
const (
	DefaultMirrorRetries  = 3
	DefaultMirrorBackoff  = 10 * time.Second
	DefaultMirrorInterval = time.Hour
	maxMirrorRetries      = 20
)

// Resolved returns the entry with the defaults applied.
func (m Mirror) Resolved() Mirror {
	if m.Retries == nil {
		r := DefaultMirrorRetries
		m.Retries = &r
	}
	if m.Backoff <= 0 {
		m.Backoff = builder.Duration(DefaultMirrorBackoff)
	}
	if m.Interval == 0 {
		m.Interval = builder.Duration(DefaultMirrorInterval)
	}
	return m
}

// For reports whether the entry mirrors target name.
func (m Mirror) For(name string) bool {
	if len(m.Targets) == 0 {
		return true
	}
	for _, t := range m.Targets {
		if t == name {
			return true
		}
	}
	return false
}

func validateMirrors(ms []Mirror, storeURL string, targets map[string]bool) []error {
	var errs []error
	seen := map[string]bool{}
	for i, m := range ms {
		key := fmt.Sprintf("mirror[%d]", i)
		bad := func(k, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%w: %s%s: %s", ErrInvalid, key, k, fmt.Sprintf(format, args...)))
		}
		r := m.Resolved()
		switch u := strings.TrimPrefix(m.URL, "file://"); {
		case m.URL == "":
			bad(".url", "required")
		case u == strings.TrimPrefix(storeURL, "file://"):
			bad(".url", "%q is the store itself (store.url)", m.URL)
		case seen[m.URL]:
			bad(".url", "%q given twice", m.URL)
		case !strings.Contains(m.URL, "://") && strings.Contains(strings.SplitN(m.URL, "/", 2)[0], ":"):
			bad(".url", "%q: malformed store URL (want s3://bucket/prefix, file:///dir or a directory)", m.URL)
		case strings.Contains(m.URL, "://") && !strings.HasPrefix(m.URL, "s3://") && !strings.HasPrefix(m.URL, "file://"):
			bad(".url", "%q: unknown scheme (want s3:// or file://)", m.URL)
		}
		seen[m.URL] = true
		if r.Interval < builder.Duration(time.Second) {
			bad(".interval", "%s (want at least 1s)", time.Duration(r.Interval))
		}
		if *r.Retries < 0 || *r.Retries > maxMirrorRetries {
			bad(".retries", "%d (want 0 to %d)", *r.Retries, maxMirrorRetries)
		}
		for _, t := range m.Targets {
			if !targets[t] {
				bad(".targets", "no target %q", t)
			}
		}
	}
	return errs
}
