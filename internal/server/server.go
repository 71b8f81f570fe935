// Package server is kiln serve's HTTP side: the routes of the daemon
// (/healthz, /readyz, /metrics, the read-only JSON API below /api/v1/,
// server-sent events, the web UI (package ui) and the repositories
// mounted below their prefix, /repo/ by default), each concern in its own file. See docs/serve.md for the URL map.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/server/ui"
)

// Options configure a Server.
type Options struct {
	Daemon *daemon.Daemon
	// Repos, if set, serves the repositories (reposerve.Handler), mounted
	// below its Prefix() ("" for the root: every path no other route
	// takes; a handler without the method below /repo). The UI links to
	// it there.
	Repos http.Handler
	// Auth checks the bearer tokens of routes that need a role; nil
	// refuses them all (no tokens configured).
	Auth   *auth.Authenticator
	Logger *slog.Logger
	// Registry receives the metrics (default: a new registry).
	Registry *prometheus.Registry
	// Ready reports whether the daemon can work (store reachable, tree
	// present); /readyz answers 503 with its error.
	Ready func(ctx context.Context) error
	// Keepalive is the interval of SSE pings (default 15s).
	Keepalive time.Duration
	// EventWriteTimeout bounds each write to an event stream client
	// (default 30s): a client that stops reading is cut off after it.
	EventWriteTimeout time.Duration
	// EventBuffer bounds each SSE client's queue (default 256 events);
	// a client that falls this far behind is dropped.
	EventBuffer int
	// MaxUpload bounds an upload to the loading dock, all its files
	// together (default DefaultMaxUpload, 2 GiB; [dock] max_upload).
	MaxUpload int64
	// UploadDir is where uploads are spooled (default os.TempDir).
	UploadDir string
	// GitHubSecret is the push webhook's secret ([auth] github_secret);
	// without it POST /api/v1/hooks/github refuses every delivery.
	GitHubSecret []byte
}

// Server is the daemon's http.Handler. Safe for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	ui      *ui.UI
	stop    chan struct{}
}

// New returns the server's handler and starts its metrics collection
// from the daemon's event buses; Close stops it.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Keepalive <= 0 {
		o.Keepalive = 15 * time.Second
	}
	if o.EventWriteTimeout <= 0 {
		o.EventWriteTimeout = 30 * time.Second
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 256
	}
	s := &Server{opts: o, log: o.Logger, mux: http.NewServeMux(), stop: make(chan struct{})}
	s.metrics = newMetrics(o.Registry, o.Daemon, s.stop)
	s.ui = ui.New(ui.Options{Daemon: o.Daemon, Logger: o.Logger, RepoPrefix: s.repoPrefix() + "/"})
	s.routes()
	return s
}

// Close stops the metrics collection and ends open event streams.
func (s *Server) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
}

// ServeHTTP serves a request, counting it in the metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.metrics.serve(s.mux, w, r)
}
