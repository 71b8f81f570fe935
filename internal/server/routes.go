package server

import (
	"net/http"

	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/server/openapi"
)

// route is one entry of the server's URL map: a Go method pattern, the
// role a caller needs (0: anyone) and its handler. The table is the one
// place routes are declared: routes() registers it, the auth tests walk
// it (every route with a role is refused without a token) and the
// OpenAPI test compares it with the document.
type route struct {
	pattern string
	role    auth.Role
	handler http.HandlerFunc
}

// apiRoutes is the URL map below /api/. Add a route here, with its role,
// and to the OpenAPI document.
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET /api/v1/targets", 0, s.listTargets},
		{"GET /api/v1/targets/{branch}/{arch}", 0, s.getTarget},
		{"GET /api/v1/targets/{branch}/{arch}/packages", 0, s.listPackages},
		{"GET /api/v1/targets/{branch}/{arch}/packages/{name}", 0, s.getPackage},
		{"GET /api/v1/targets/{branch}/{arch}/snapshots", 0, s.listSnapshots},
		{"GET /api/v1/targets/{branch}/{arch}/snapshots/diff", 0, s.diffSnapshots},
		{"GET /api/v1/targets/{branch}/{arch}/plan", 0, s.getPlan},
		{"GET /api/v1/targets/{branch}/{arch}/why/{port}", 0, s.getWhy},
		{"GET /api/v1/runs", 0, s.listRuns},
		{"GET /api/v1/runs/{id}", 0, s.getRun},
		{"GET /api/v1/builds/{id}", 0, s.getBuild},
		{"GET /api/v1/builds/{id}/log", 0, s.getBuildLog},
		{"GET /api/v1/builders", 0, s.listBuilders},
		{"POST /api/v1/builders/{name}/disable", auth.RoleAdmin, s.disableBuilder},
		{"POST /api/v1/builders/{name}/enable", auth.RoleAdmin, s.enableBuilder},
		{"GET /api/v1/events", 0, s.events},
		{"POST /api/v1/targets/{branch}/{arch}/runs", auth.RoleTrigger, s.startRun},
		{"POST /api/v1/runs/{id}/cancel", auth.RoleTrigger, s.cancelRun},
		{"POST /api/v1/builds/{id}/cancel", auth.RoleTrigger, s.cancelBuild},
		{"POST /api/v1/builds/{id}/retry", auth.RoleTrigger, s.retryBuild},
		{"POST /api/v1/targets/{branch}/{arch}/pause", auth.RoleAdmin, s.pauseTarget},
		{"POST /api/v1/targets/{branch}/{arch}/resume", auth.RoleAdmin, s.resumeTarget},
		{"GET /api/v1/targets/{branch}/{arch}/notifications", 0, s.listNotifications},
		{"POST /api/v1/hooks/github", 0, s.webhookHandler()}, // authenticated by its HMAC signature
		{"POST /api/v1/hooks/trigger", auth.RoleTrigger, s.trigger},
		{"POST /api/v1/targets/{branch}/{arch}/packages", auth.RoleAdmin, s.uploadPackages},
		{"POST /api/v1/targets/{branch}/{arch}/build-packages", auth.RoleAdmin, s.createBuildPackages},
		{"POST /api/v1/targets/{branch}/{arch}/rollback", auth.RoleAdmin, s.rollback},
	}
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.metrics.handler())
	for _, rt := range s.apiRoutes() {
		m.Handle(rt.pattern, s.guard(rt.role, rt.handler))
	}
	m.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(openapi.Document)
	})
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path)
	})
	if s.opts.Repos != nil {
		// Below the prefix, or at the root: "/" is the least specific
		// pattern, so every route above and the UI's pages (the overview
		// is "GET /{$}") win over it and the rest is the repositories'.
		if p := s.repoPrefix(); p == "" {
			m.Handle("/", s.opts.Repos)
		} else {
			m.Handle(p+"/", s.opts.Repos)
			m.Handle(p, s.opts.Repos)
		}
	}
	for _, rt := range s.ui.Routes() {
		m.HandleFunc(rt.Pattern, rt.Handler)
	}
}

// guard wraps h so that only callers of at least role reach it. A route
// without a role is public. Without an Authenticator (no [auth] tokens
// configured) every route that needs a role is refused with 403.
func (s *Server) guard(role auth.Role, h http.Handler) http.Handler {
	if role == 0 {
		return h
	}
	if s.opts.Auth == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusForbidden, "forbidden", "this needs a token of role "+role.String()+" and kiln serve has no [auth] tokens configured")
		})
	}
	return s.opts.Auth.Require(role, h)
}

// repoPrefix is the path the repositories are mounted below: Repos's
// Prefix() when it has one (reposerve.Handler: "" for the root), else
// /repo.
func (s *Server) repoPrefix() string {
	if p, ok := s.opts.Repos.(interface{ Prefix() string }); ok {
		return p.Prefix()
	}
	return "/repo"
}
