package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/haikuports/kiln/internal/builder"
)

// HTTP defaults.
const (
	DefaultListen        = "127.0.0.1:8080"
	DefaultRepoPrefix    = "/repo"
	DefaultCurrentMaxAge = 60 * time.Second
	DefaultPresignTTL    = 15 * time.Minute
	// maxPresignTTL is the longest an S3 presigned URL can last.
	maxPresignTTL = 7 * 24 * time.Hour
)

// ServerPaths are the first path segments of kiln serve's own routes (the
// API, the UI's pages, health and metrics; the UI's overview is "/"
// itself). http.repo_prefix may not start with one, and with
// repo_prefix "/" no target's branch may be one, or its repository would
// be hidden behind the server's route. internal/server's tests keep the
// list equal to its route table.
var ServerPaths = []string{"api", "builds", "failures.atom", "healthz", "metrics", "readyz", "runs", "static", "targets"}

// HTTP is the [http] section of kiln serve: where it listens and how it
// serves the repositories (docs/serve.md, docs/serving.md).
type HTTP struct {
	// Listen is the HTTP listen address, host:port (default
	// 127.0.0.1:8080; ":8080" listens on every interface). The --listen
	// flag and KILN_LISTEN come first, in this order.
	Listen string `toml:"listen"`
	// RepoPrefix is the URL path the repositories are served below
	// (default /repo: /repo/<branch>/<arch>/current/repo); "/" serves them
	// at the root, as hpkgbouncer does (/<branch>/<arch>/current/…), next
	// to the web UI, whose pages keep their paths (the JSON listing of
	// the root is the UI's overview then).
	RepoPrefix string `toml:"repo_prefix"`
	// PublicBaseURL is the public http(s) URL of the store's root (a CDN
	// or a public bucket: key K is at <public_base_url>/K): file requests
	// answer a 302 there instead of to a presigned URL. Only with an s3://
	// store; a directory store's files are streamed by kiln serve.
	PublicBaseURL string `toml:"public_base_url"`
	// CurrentMaxAge is the Cache-Control max-age of current/… answers
	// and the listings (default 60s; 0s: no-cache), which change with
	// each publish; snapshot paths are immutable and cached for a year.
	CurrentMaxAge *builder.Duration `toml:"current_max_age"`
	// PresignTTL is how long a presigned URL a redirect points to stays
	// valid (default 15m, at most 7 days); a redirect is cached half as
	// long at most.
	PresignTTL builder.Duration `toml:"presign_ttl"`
}

// ListenAddr is Listen or its default.
func (h HTTP) ListenAddr() string {
	if h.Listen == "" {
		return DefaultListen
	}
	return h.Listen
}

// Prefix is RepoPrefix or its default, without a trailing slash: "" for
// the root, else "/repo", "/haikuports".
func (h HTTP) Prefix() string {
	if h.RepoPrefix == "" {
		return DefaultRepoPrefix
	}
	return strings.TrimRight(h.RepoPrefix, "/")
}

// MaxAge is CurrentMaxAge or its default; a negative result means
// no-cache (reposerve.Options.CurrentMaxAge's convention).
func (h HTTP) MaxAge() time.Duration {
	switch {
	case h.CurrentMaxAge == nil:
		return DefaultCurrentMaxAge
	case *h.CurrentMaxAge == 0:
		return -1
	}
	return time.Duration(*h.CurrentMaxAge)
}

// TTL is PresignTTL or its default.
func (h HTTP) TTL() time.Duration {
	if h.PresignTTL <= 0 {
		return DefaultPresignTTL
	}
	return time.Duration(h.PresignTTL)
}

// validate checks the keys after the environment's overrides (the
// file's strings were checked at their positions already: checkHTTPPositions),
// the durations' ranges, the public URL against the store and the
// targets against a root prefix.
func (h HTTP) validate(storeURL string, targets []Target) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: http.%s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	if h.Listen != "" {
		if err := checkListen(h.Listen); err != nil {
			bad("listen", "%v", err)
		}
	}
	if h.RepoPrefix != "" {
		if err := checkPrefix(h.RepoPrefix); err != nil {
			bad("repo_prefix", "%v", err)
		}
	}
	if h.PublicBaseURL != "" {
		if err := checkBaseURL(h.PublicBaseURL); err != nil {
			bad("public_base_url", "%v", err)
		}
	}
	if h.CurrentMaxAge != nil && *h.CurrentMaxAge < 0 {
		bad("current_max_age", "%s (want 0s for no-cache, or more)", time.Duration(*h.CurrentMaxAge))
	}
	if h.PresignTTL < 0 || time.Duration(h.PresignTTL) > maxPresignTTL || (h.PresignTTL > 0 && time.Duration(h.PresignTTL) < time.Second) {
		bad("presign_ttl", "%s (want 1s to 168h, the longest an S3 presigned URL lasts)", time.Duration(h.PresignTTL))
	}
	if h.PublicBaseURL != "" && storeURL != "" && !strings.HasPrefix(storeURL, "s3://") {
		bad("public_base_url", "set, but store.url is not an s3:// store: kiln serve streams a directory store's files itself (unset public_base_url, or serve the directory elsewhere)")
	}
	if h.Prefix() == "" && h.RepoPrefix != "" {
		for i, t := range targets {
			if isServerPath(t.Branch) {
				bad("repo_prefix", `"/" and target[%d].branch %q: /%s/… is kiln serve's own route; use another repo_prefix`, i, t.Branch, t.Branch)
			}
		}
	}
	return errs
}

func isServerPath(seg string) bool {
	for _, p := range ServerPaths {
		if seg == p {
			return true
		}
	}
	return false
}

// checkListen checks a listen address: host:port with a numeric port
// (the host may be empty: every interface).
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: want host:port, e.g. 127.0.0.1:8080 or :8080", s)
	}
	return nil
}

var errPrefix = errors.New(`want "/" or a path like /repo or /haikuports`)

// checkPrefix checks a repository prefix: "/" or "/a/b", segments of
// letters, digits, '.', '_', '~' and '-', none "." or "..", the first
// not one of ServerPaths.
func checkPrefix(s string) error {
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%q does not start with /: %w", s, errPrefix)
	}
	segs := strings.Split(strings.TrimSuffix(s, "/"), "/")[1:]
	for i, seg := range segs {
		switch {
		case seg == "":
			return fmt.Errorf("%q: empty segment: %w", s, errPrefix)
		case seg == "." || seg == "..":
			return fmt.Errorf("%q: %q segment: %w", s, seg, errPrefix)
		case strings.IndexFunc(seg, func(r rune) bool { return !pathRune(r) }) >= 0:
			return fmt.Errorf("%q: segment %q: only letters, digits, '.', '_', '~' and '-': %w", s, seg, errPrefix)
		case i == 0 && isServerPath(seg):
			return fmt.Errorf("%q: /%s is kiln serve's own route (%s are): %w", s, seg, strings.Join(ServerPaths, ", "), errPrefix)
		}
	}
	return nil
}

func pathRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._~-", r)
}

// checkBaseURL checks a public base URL: absolute http(s), no user, query
// or fragment. The error does not show the value: a URL may hold a secret.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") {
		return errors.New("not a public base URL: want http(s)://host/path, without user, query or fragment")
	}
	return nil
}

// httpChecks decodes the file's [http] strings once more into types that
// check them as they are read, so that a bad value is an error at its
// position in the file ("kiln.toml:12:15: http.repo_prefix: …"), as a
// bad duration is. (The decoder sets string kinds directly, never through
// UnmarshalText.) Validate checks them again after the environment's
// overrides.
type httpChecks struct {
	HTTP struct {
		Listen        checked[listenCheck]  `toml:"listen"`
		RepoPrefix    checked[prefixCheck]  `toml:"repo_prefix"`
		PublicBaseURL checked[baseURLCheck] `toml:"public_base_url"`
	} `toml:"http"`
}

type (
	listenCheck  struct{}
	prefixCheck  struct{}
	baseURLCheck struct{}
)

func (listenCheck) check(s string) error  { return checkListen(s) }
func (prefixCheck) check(s string) error  { return checkPrefix(s) }
func (baseURLCheck) check(s string) error { return checkBaseURL(s) }

// checked is a value checked by C as it is decoded ("" passes: the
// default).
type checked[C interface{ check(string) error }] struct{}

func (checked[C]) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var c C
	return c.check(string(b))
}

// checkHTTPPositions decodes data into httpChecks; the error is
// decodeError's, naming the file, the position and the key.
func checkHTTPPositions(name string, data []byte) error {
	var hc httpChecks
	if err := toml.NewDecoder(bytes.NewReader(data)).Decode(&hc); err != nil {
		return decodeError(name, err)
	}
	return nil
}
