// Package reposerve serves the repositories of kiln's targets over HTTP:
// the routes hpkgbouncer serves today (<prefix>/<branch>/<arch>/current/…
// and …/<snapshot>/…) and JSON listings of what exists. It is the
// repository part of the daemon (kiln serve), an http.Handler the daemon
// mounts below its prefix. See docs/serving.md.
package reposerve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// ErrUnknownTarget: a target the handler does not serve.
var ErrUnknownTarget = errors.New("reposerve: unknown target")

// Options configure a Handler. Zero values select the defaults.
type Options struct {
	// Prefix is the URL path the repositories are below (default "/repo";
	// "/" serves them at the root, as hpkgbouncer does).
	Prefix string
	Logger *slog.Logger // default: discard
	// PollInterval is how often Run re-reads every target's head (default
	// 10s): the bound on how stale a replica that did not publish is.
	PollInterval time.Duration
	// CurrentMaxAge is the Cache-Control max-age of current/ answers and
	// the listings (default 60s; negative: "no-cache").
	CurrentMaxAge time.Duration
	// PresignTTL is how long a presigned URL a redirect points to stays
	// valid (default 15m).
	PresignTTL time.Duration
	// PublicBaseURL, if set, is the public URL of the store's root (a CDN
	// or a public bucket: key K is at PublicBaseURL/K); redirects point
	// there instead of at presigned URLs. Only for stores that presign.
	PublicBaseURL string
	// ManifestCache is how many non-head snapshot manifests are kept per
	// target (default 8).
	ManifestCache int
	Now           func() time.Time // default time.Now
}

// Handler serves the repositories of a fixed set of targets. It is safe
// for concurrent use. Requests are answered from an in-memory view of
// each target's head that Refresh, RefreshAll and Run update; a request
// never lists the store and never waits for a lock held across I/O.
type Handler struct {
	opts    Options
	prefix  string // "" for "/", else "/repo" (no trailing slash)
	public  string // PublicBaseURL without a trailing slash, "" if none
	curCC   string // Cache-Control of current/ answers and listings
	log     *slog.Logger
	targets map[string]*target // "branch/arch"
	order   []*target          // by branch, then arch
}

// New returns a handler serving repos (one per target). It does no I/O:
// until the first refresh of a target its routes answer 503.
func New(repos []*repo.Repo, opts Options) (*Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 10 * time.Second
	}
	if opts.CurrentMaxAge == 0 {
		opts.CurrentMaxAge = 60 * time.Second
	}
	if opts.PresignTTL <= 0 {
		opts.PresignTTL = 15 * time.Minute
	}
	if opts.ManifestCache == 0 {
		opts.ManifestCache = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts, log: opts.Logger, targets: map[string]*target{}}
	p := strings.TrimRight(opts.Prefix, "/")
	if opts.Prefix == "" {
		p = "/repo"
	}
	if p != "" && (!strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsAny(p, "?#%")) {
		return nil, fmt.Errorf("reposerve: bad prefix %q: want a path like /repo or /", opts.Prefix)
	}
	h.prefix = p
	h.curCC = "public, max-age=" + strconv.Itoa(int(opts.CurrentMaxAge/time.Second))
	if opts.CurrentMaxAge < 0 {
		h.curCC = "no-cache"
	}
	if opts.PublicBaseURL != "" {
		u, err := url.Parse(strings.TrimRight(opts.PublicBaseURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("reposerve: bad public base URL %q: want http(s)://host/path", opts.PublicBaseURL)
		}
		h.public = u.String()
	}
	for _, r := range repos {
		t := r.Target()
		if _, dup := h.targets[t.String()]; dup {
			return nil, fmt.Errorf("reposerve: target %s given twice", t)
		}
		tg := &target{r: r, st: r.Store(), mans: newManifestCache(opts.ManifestCache)}
		if p, ok := tg.st.(store.Presigner); ok {
			tg.presign = p
		} else if h.public != "" {
			return nil, fmt.Errorf("reposerve: public base URL set, but the store of %s (%s) is streamed, not redirected", t, tg.st)
		}
		h.targets[t.String()] = tg
		h.order = append(h.order, tg)
	}
	slices.SortFunc(h.order, func(a, b *target) int { return strings.Compare(a.name(), b.name()) })
	return h, nil
}

// Prefix returns the normalised prefix ("" for the root).
func (h *Handler) Prefix() string { return h.prefix }

// Refresh re-reads target t's head now (the daemon calls it after each
// publish, so its own publishes are served as soon as it returns). On
// error the previous view stays served.
func (h *Handler) Refresh(ctx context.Context, t repo.Target) error {
	tg := h.targets[t.String()]
	if tg == nil {
		return fmt.Errorf("%w %s", ErrUnknownTarget, t)
	}
	return tg.refresh(ctx, h.opts.Now())
}

// RefreshAll refreshes every target, one after the other, and returns
// their errors joined.
func (h *Handler) RefreshAll(ctx context.Context) error {
	var errs []error
	for _, tg := range h.order {
		if err := tg.refresh(ctx, h.opts.Now()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run refreshes every target at once and then every PollInterval until
// ctx ends (it returns ctx's error). Refresh errors are logged, not
// returned: the previous view stays served. Call it once, in its own
// goroutine.
func (h *Handler) Run(ctx context.Context) error {
	t := time.NewTicker(h.opts.PollInterval)
	defer t.Stop()
	for {
		if err := h.RefreshAll(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("repository refresh failed; serving the previous head", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// ServeHTTP answers GET and HEAD below the prefix; other methods are 405,
// paths outside the prefix 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Without RawPath, the raw path is the canonical escaping of Path: Path
	// is parsed as it is (no segment holds an encoded slash), and a '%' in
	// it (only from "%25") is refused rather than unescaped twice.
	p := r.URL.Path
	if r.URL.RawPath != "" {
		p = r.URL.EscapedPath()
	} else if strings.Contains(p, "%") {
		http.Error(w, "bad path: '%' in a segment", http.StatusBadRequest)
		return
	}
	var rel string
	switch {
	case p == h.prefix:
		rel = ""
	case strings.HasPrefix(p, h.prefix+"/"):
		rel = p[len(h.prefix)+1:]
	default:
		http.NotFound(w, r)
		return
	}
	rt, err := parsePath(rel)
	if err != nil {
		if errors.Is(err, errBadPath) {
			http.Error(w, err.Error(), http.StatusBadRequest)
		} else {
			http.NotFound(w, r)
		}
		return
	}
	switch rt.Kind {
	case routeRoot:
		h.listRoot(w, r)
	case routeBranch:
		h.listBranch(w, r, rt.Branch)
	case routeTarget:
		h.listTarget(w, r, rt.Branch, rt.Arch)
	case routeBuildList:
		h.listBuildPackages(w, r, rt.Branch, rt.Arch)
	case routeBuildFile:
		h.serveBuildFile(w, r, rt)
	default:
		h.serveFile(w, r, rt)
	}
}

// Ready reports whether every target's head has been read at least once
// (for the daemon's /readyz); it does no I/O.
func (h *Handler) Ready() bool {
	for _, tg := range h.order {
		if v := tg.cur.Load(); v == nil || (v.head == nil && v.err != nil) {
			return false
		}
	}
	return true
}
