package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/buildrun"
)

// buildJSON is a build as GET /api/v1/builds/{id} answers it: its record,
// its target and where its log is.
type buildJSON struct {
	ID     string          `json:"id"`
	Target string          `json:"target"`
	Build  *buildrun.Build `json:"build"`
	Log    string          `json:"log"`
}

// getBuild: GET /api/v1/builds/{id} answers a build's record (port,
// state, reason, builder, attempts with their times, outputs and the
// packages it produced), from memory while its run is in progress.
func (s *Server) getBuild(w http.ResponseWriter, r *http.Request) {
	runID, n, ok := buildID(w, r)
	if !ok {
		return
	}
	id := fmt.Sprintf("%s:%d", runID, n)
	for _, t := range s.opts.Daemon.Targets() {
		if a, ok := t.Engine().Active(); ok && a.ID() == runID {
			for _, b := range a.Builds() {
				if b.Number == n {
					writeJSON(w, http.StatusOK, buildJSON{ID: id, Target: t.Name(), Build: &b, Log: "/api/v1/builds/" + id + "/log"})
					return
				}
			}
		}
	}
	t, _, ok := s.findRun(w, r, runID)
	if !ok {
		return
	}
	b, err := t.Engine().Records().Build(r.Context(), runID, n)
	if errors.Is(err, buildrun.ErrNotFound) {
		writeError(w, http.StatusNotFound, "build_not_found", fmt.Sprintf("run %s has no build %d", runID, n))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, buildJSON{ID: id, Target: t.Name(), Build: b, Log: "/api/v1/builds/" + id + "/log"})
}
