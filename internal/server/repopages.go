package server

import (
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/daemon"
)

// repoPages are the web UI's routes about repositories and plans: the
// failure feeds, the packages, snapshots and plan pages (all public).
func (s *Server) repoPages() []route {
	return []route{
		{"GET /failures.atom", 0, s.allFailuresFeed},
		{"GET /targets/{branch}/{arch}/failures.atom", 0, s.failureFeed},
	}
}

// pageTarget resolves a page's {branch}/{arch}, answering 400 or 404 as
// text itself (nil).
func (s *Server) pageTarget(w http.ResponseWriter, r *http.Request) *daemon.Target {
	b, a := r.PathValue("branch"), r.PathValue("arch")
	if !validName(b) || !validName(a) {
		http.Error(w, fmt.Sprintf("target %q/%q: names are 1 to 64 letters, digits, '.', '_' or '-'", b, a), http.StatusBadRequest)
		return nil
	}
	t := s.opts.Daemon.Target(b + "/" + a)
	if t == nil {
		http.Error(w, "no target "+b+"/"+a, http.StatusNotFound)
	}
	return t
}

// pageInternal logs err and answers 500 without its details.
func (s *Server) pageInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, "internal error (see the server log)", http.StatusInternalServerError)
}
