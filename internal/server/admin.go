package server

import (
	"net/http"

	"github.com/haikuports/kiln/internal/daemon"
)

// pauseTarget: POST /api/v1/targets/{branch}/{arch}/pause (optional body
// {"reason"}) pauses the target: it starts no run until resumed; a run in
// progress goes on. 200 with the pause; idempotent.
func (s *Server) pauseTarget(w http.ResponseWriter, r *http.Request) {
	s.setPause(w, r, true)
}

// resumeTarget: POST /api/v1/targets/{branch}/{arch}/resume undoes pause.
func (s *Server) resumeTarget(w http.ResponseWriter, r *http.Request) {
	s.setPause(w, r, false)
}

func (s *Server) setPause(w http.ResponseWriter, r *http.Request, paused bool) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	what := "resumed"
	if paused {
		what = "paused"
	}
	reason, ok := readReason(w, r, what)
	if !ok {
		return
	}
	p := daemon.Pause{Paused: paused, By: caller(r), Reason: reason}
	if err := s.opts.Daemon.SetPause(r.Context(), t, p); err != nil {
		s.internal(w, r, err)
		return
	}
	s.log.Info("target "+what, "target", t.Name(), "by", p.By, "reason", reason)
	writeJSON(w, http.StatusOK, p)
}
