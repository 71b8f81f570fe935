package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/store"
)

type rollbackRequest struct {
	Snapshot string `json:"snapshot"`
	// Force skips the regression guard.
	Force bool `json:"force,omitempty"`
}

// rollback is POST /api/v1/targets/{branch}/{arch}/rollback (admin) with
// {"snapshot": id or "head~N", "force": false}: the snapshot's content
// becomes current again as a new snapshot (daemon.Target.Rollback),
// through the regression guard unless force. 201 with the repo.Result
// (200 and "unchanged" when the head already has that content); 400 on
// a bad body or snapshot name, 404 for an unknown snapshot, 409 while a
// run is in progress, another publisher holds the lease, or the guard
// refuses. The repositories are refreshed before the answer.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	var req rollbackRequest
	if !decodeBody(w, r, &req, false, `{"snapshot": id or "head~N", "force": false}`) {
		return
	}
	if !validSnapshot(req.Snapshot) {
		writeError(w, http.StatusBadRequest, "bad_snapshot", fmt.Sprintf("snapshot %q: a snapshot id (letters, digits, '.', '_', '-') or head~N", req.Snapshot))
		return
	}
	reason := "rollback to " + req.Snapshot
	if c, ok := auth.CallerFrom(r.Context()); ok {
		reason += " by " + c.Name
	}
	if req.Force {
		reason += " (forced past the regression guard)"
	}
	res, err := t.Rollback(r.Context(), req.Snapshot, req.Force, reason)
	if errors.Is(err, repo.ErrSnapshotNotFound) {
		writeError(w, http.StatusNotFound, "snapshot_not_found", err.Error())
		return
	}
	if err != nil {
		s.publishError(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Unchanged {
		status = http.StatusCreated
		t.Engine().Bus().Publish(buildrun.Event{Kind: buildrun.EventPublish, Snapshot: res.Snapshot, Reason: reason})
		s.refreshRepos(r, t)
	}
	s.log.Info("rollback", "target", t.Name(), "to", req.Snapshot, "snapshot", res.Snapshot, "force", req.Force, "unchanged", res.Unchanged)
	writeJSON(w, status, res)
}

// validSnapshot: a snapshot id, or head~N / current~N.
func validSnapshot(s string) bool {
	if store.SafeSegment(s) && len(s) <= 64 {
		return true
	}
	for _, base := range []string{"head~", "current~"} {
		if n, ok := strings.CutPrefix(s, base); ok {
			_, err := strconv.ParseUint(n, 10, 16)
			return err == nil
		}
	}
	return false
}
