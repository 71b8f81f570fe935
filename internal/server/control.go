package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/server/auth"
)

// runRequest is the body of POST …/runs.
type runRequest struct {
	Mode  string   `json:"mode"`
	Ports []string `json:"ports,omitempty"`
}

// startedJSON answers a request that started a run.
type startedJSON struct {
	Run    string `json:"run,omitempty"`
	Target string `json:"target"`
	URL    string `json:"url,omitempty"`
	// Relayed and Holder: on a replica that does not schedule the
	// target, the request was relayed through the store to Holder, which
	// starts the run at its next lease renewal (daemon/relay.go).
	Relayed string `json:"relayed,omitempty"`
	Holder  string `json:"holder,omitempty"`
}

// maxRunPorts bounds the ports of one run request.
const maxRunPorts = 10000

// startRun: POST /api/v1/targets/{branch}/{arch}/runs starts a run of the
// target: mode "update" (what changed since the processed commit),
// "everything" or "ports" (with ports). 202 with the run's id; 409
// "run_active" while a run is in progress, "paused" on a paused target,
// "nothing_to_do" for a plan without builds; 400 for a bad mode or
// unknown ports (named). On a replica that does not hold the target's
// scheduling lease the request is relayed to the holder through the
// store: 202 with "relayed" (the request's id) and "holder" instead of
// "run" (409 "not_holder" naming the holder if it cannot be written).
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	var req runRequest
	if !decodeBody(w, r, &req, false, `{"mode": "update"|"everything"|"ports", "ports": [...]}`) {
		return
	}
	switch {
	case req.Mode != "update" && req.Mode != "everything" && req.Mode != "ports":
		writeError(w, http.StatusBadRequest, "bad_mode", fmt.Sprintf("mode %q: want update, everything or ports", req.Mode))
		return
	case req.Mode == "ports" && len(req.Ports) == 0:
		writeError(w, http.StatusBadRequest, "bad_ports", `mode "ports" needs "ports": [names]`)
		return
	case req.Mode != "ports" && len(req.Ports) > 0:
		writeError(w, http.StatusBadRequest, "bad_ports", fmt.Sprintf("ports are only for mode \"ports\", not %q", req.Mode))
		return
	case len(req.Ports) > maxRunPorts:
		writeError(w, http.StatusBadRequest, "bad_ports", fmt.Sprintf("%d ports: at most %d", len(req.Ports), maxRunPorts))
		return
	}
	for _, p := range req.Ports {
		if p == "" || len(p) > 256 || strings.ContainsAny(p, "\x00\n/") {
			writeError(w, http.StatusBadRequest, "bad_ports", fmt.Sprintf("port %q: not a port name", p))
			return
		}
	}
	h, err := s.opts.Daemon.Trigger(r.Context(), t, daemon.Request{Mode: req.Mode, Ports: req.Ports, By: caller(r)})
	if relayedAnswer(w, t, err) {
		return
	}
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	s.started(w, t, h)
}

// relayedAnswer answers 202 when err says the request was relayed to
// the target's holder.
func relayedAnswer(w http.ResponseWriter, t *daemon.Target, err error) bool {
	var re *daemon.RelayedError
	if !errors.As(err, &re) {
		return false
	}
	writeJSON(w, http.StatusAccepted, startedJSON{Target: t.Name(), Relayed: re.ID, Holder: re.Holder})
	return true
}

func (s *Server) started(w http.ResponseWriter, t *daemon.Target, h *buildrun.Handle) {
	w.Header().Set("Location", "/api/v1/runs/"+h.ID())
	writeJSON(w, http.StatusAccepted, startedJSON{Run: h.ID(), Target: t.Name(), URL: "/api/v1/runs/" + h.ID()})
}

// reasonRequest is the optional body of cancel and pause.
type reasonRequest struct {
	Reason string `json:"reason,omitempty"`
}

const maxReason = 1024

func readReason(w http.ResponseWriter, r *http.Request, what string) (string, bool) {
	var req reasonRequest
	if !decodeBody(w, r, &req, true, `nothing, or {"reason": "…"}`) {
		return "", false
	}
	if len(req.Reason) > maxReason {
		writeError(w, http.StatusBadRequest, "bad_reason", fmt.Sprintf("reason: %d bytes, at most %d", len(req.Reason), maxReason))
		return "", false
	}
	if req.Reason == "" {
		req.Reason = what + " by " + caller(r)
	}
	return req.Reason, true
}

// cancelRun: POST /api/v1/runs/{id}/cancel cancels a run this kiln
// drives: 202; 409 "finished". A run another replica drives: 202 state
// "relayed" (to the holder, through the store) on a replica that does
// not schedule the target, else 409 "not_here".
func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validRunID(id) {
		writeError(w, http.StatusBadRequest, "bad_run_id", fmt.Sprintf("run id %q", id))
		return
	}
	t, _, ok := s.findRun(w, r, id)
	if !ok {
		return
	}
	reason, ok := readReason(w, r, "cancelled")
	if !ok {
		return
	}
	err := s.opts.Daemon.CancelRun(r.Context(), t, id, reason)
	var re *daemon.RelayedError
	if errors.As(err, &re) {
		writeJSON(w, http.StatusAccepted, map[string]string{"run": id, "state": "relayed", "relayed": re.ID, "holder": re.Holder})
		return
	}
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	s.log.Info("run cancel requested", "run", id, "by", caller(r))
	writeJSON(w, http.StatusAccepted, map[string]string{"run": id, "state": "cancelling"})
}

// cancelBuild: POST /api/v1/builds/{id}/cancel cancels one build of a
// run this kiln drives (its dependents are lost).
func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request) {
	runID, n, ok := buildID(w, r)
	if !ok {
		return
	}
	t, _, ok := s.findRun(w, r, runID)
	if !ok {
		return
	}
	reason, ok := readReason(w, r, "cancelled")
	if !ok {
		return
	}
	err := s.opts.Daemon.CancelBuild(r.Context(), t, runID, n, reason)
	var re *daemon.RelayedError
	if errors.As(err, &re) {
		writeJSON(w, http.StatusAccepted, map[string]string{"build": fmt.Sprintf("%s:%d", runID, n), "state": "relayed", "relayed": re.ID, "holder": re.Holder})
		return
	}
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"build": fmt.Sprintf("%s:%d", runID, n), "state": "cancelling"})
}

// retryBuild: POST /api/v1/builds/{id}/retry starts a ports run of a
// failed, lost or cancelled build's port: 202 with the new run.
func (s *Server) retryBuild(w http.ResponseWriter, r *http.Request) {
	runID, n, ok := buildID(w, r)
	if !ok {
		return
	}
	t, _, ok := s.findRun(w, r, runID)
	if !ok {
		return
	}
	if !decodeBody(w, r, &struct{}{}, true, "no body") {
		return
	}
	h, err := s.opts.Daemon.Retry(r.Context(), t, runID, n, caller(r))
	if relayedAnswer(w, t, err) {
		return
	}
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	s.started(w, t, h)
}

// caller names who asks, for records and logs.
func caller(r *http.Request) string {
	if c, ok := auth.CallerFrom(r.Context()); ok {
		return "api:" + c.Name
	}
	return "api"
}

// controlError answers the errors of the daemon's control methods.
func (s *Server) controlError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, buildrun.ErrBusy):
		writeError(w, http.StatusConflict, "run_active", err.Error())
	case errors.Is(err, daemon.ErrPaused):
		writeError(w, http.StatusConflict, "paused", err.Error())
	case errors.Is(err, daemon.ErrNothingToDo):
		writeError(w, http.StatusConflict, "nothing_to_do", err.Error())
	case errors.Is(err, buildrun.ErrFinished):
		writeError(w, http.StatusConflict, "finished", err.Error())
	case errors.Is(err, daemon.ErrNotHolder):
		writeError(w, http.StatusConflict, "not_holder", err.Error())
	case errors.Is(err, daemon.ErrNotHere), errors.Is(err, buildrun.ErrActive):
		writeError(w, http.StatusConflict, "not_here", err.Error())
	case errors.Is(err, daemon.ErrNotFailed):
		writeError(w, http.StatusConflict, "not_failed", err.Error())
	case errors.Is(err, buildrun.ErrNoBuilders):
		writeError(w, http.StatusConflict, "no_builders", err.Error())
	case errors.Is(err, daemon.ErrStopped):
		writeError(w, http.StatusServiceUnavailable, "stopped", err.Error())
	case errors.Is(err, buildrun.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		s.publishError(w, r, err)
	}
}
