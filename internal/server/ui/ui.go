// Package ui is kiln serve's web UI: server-rendered pages (html/template,
// parsed once from the embedded templates/) with small vanilla scripts
// and one stylesheet (embedded static/, served below /static/ with long
// cache lifetimes). Every page is complete without JavaScript; the
// scripts only make it live over the API's event stream. One page per
// file: overview.go (/), runs.go (/runs), run.go (/runs/{id}),
// buildlog.go (/builds/{id}/log).
package ui

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/haikuports/kiln/internal/daemon"
)

// Options configure a UI.
type Options struct {
	Daemon *daemon.Daemon
	Logger *slog.Logger
	// RepoPrefix is the URL path the repositories are served below, which
	// the pages link to (default "/repo"; "/" for the root).
	RepoPrefix string
}

// UI serves the web pages. Safe for concurrent use.
type UI struct {
	d     *daemon.Daemon
	log   *slog.Logger
	repos string // RepoPrefix without its trailing slash: "" for the root
	snaps snapshotCache
}

// Route is one page of the UI: a Go method pattern and its handler. All
// pages are public (reads); forms that change something post to the
// API, which checks the caller's role.
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// New returns the UI of o.Daemon.
func New(o Options) *UI {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RepoPrefix == "" {
		o.RepoPrefix = "/repo"
	}
	return &UI{d: o.Daemon, log: o.Logger, repos: strings.TrimRight(o.RepoPrefix, "/")}
}

// Routes are the UI's pages, for the server's route table. Add a page
// here.
func (u *UI) Routes() []Route {
	return append(u.repoRoutes(), []Route{
		{"GET /{$}", u.overview},
		{"GET /runs", u.runs},
		{"GET /runs/{id}", u.run},
		{"GET /builds/{id}/log", u.buildLog},
		{"GET /static/{file}", serveStatic},
	}...)
}
