package server

import (
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/plan"
)

// planJSON is what the target would build now.
type planJSON struct {
	Commit string       `json:"commit"` // the tree commit planned from
	Active int          `json:"active"` // the tree's active ports for the target
	Plan   *plan.Plan   `json:"plan"`
	Check  *plan.Report `json:"check"` // the head snapshot's consistency report
}

// getPlan: GET /api/v1/targets/{branch}/{arch}/plan answers the
// everything plan of the tree's HEAD (what would be built now, and why
// each port is blocked or broken) and the repository consistency report
// (daemon.Target.Preview, shared with the plan page; made once per tree
// HEAD and head snapshot).
func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	p, err := t.Preview(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, planJSON{Commit: p.Commit, Active: p.Active, Plan: p.Plan, Check: p.Check})
}

// getWhy: GET /api/v1/targets/{branch}/{arch}/why/{port} explains why a
// port is (not) built in that plan; 404 for a port the tree lacks.
func (s *Server) getWhy(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	port := r.PathValue("port")
	if port == "" || len(port) > 255 || !validFile(port) {
		writeError(w, http.StatusBadRequest, "bad_port", fmt.Sprintf("port %q: a port name or name-version", port))
		return
	}
	p, err := t.Preview(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ex, err := p.Why(port)
	if err != nil {
		writeError(w, http.StatusNotFound, "port_not_found", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ex)
}
