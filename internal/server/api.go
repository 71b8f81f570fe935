package server

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
)

// targetJSON is a target as GET /api/v1/targets answers it.
type targetJSON struct {
	Name   string             `json:"name"`
	Branch string             `json:"branch"`
	Arch   string             `json:"arch"`
	Head   *headJSON          `json:"head"` // null before the first publish
	Loop   daemon.TargetState `json:"loop"`
	Run    *buildrun.Status   `json:"run"` // the run in progress, or null
	RunID  string             `json:"runID,omitempty"`
}

type headJSON struct {
	Snapshot string    `json:"snapshot"`
	Updated  time.Time `json:"updated"`
	Packages int       `json:"packages"`
}

func (s *Server) targetInfo(r *http.Request, t *daemon.Target) (targetJSON, error) {
	rt := t.RepoTarget()
	out := targetJSON{Name: t.Name(), Branch: rt.Branch, Arch: rt.Arch, Loop: s.opts.Daemon.State(t.Name())}
	h, m, err := t.Repo().Current(r.Context())
	switch {
	case err == nil:
		out.Head = &headJSON{Snapshot: h.Snapshot, Updated: h.Updated, Packages: len(m.Packages)}
	case !errors.Is(err, repo.ErrNoHead):
		return out, err
	}
	if a, ok := t.Engine().Active(); ok {
		st := a.Status()
		out.Run, out.RunID = &st, a.ID()
	}
	return out, nil
}

func (s *Server) listTargets(w http.ResponseWriter, r *http.Request) {
	out := []targetJSON{}
	for _, t := range s.opts.Daemon.Targets() {
		ti, err := s.targetInfo(r, t)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		out = append(out, ti)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTarget(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	ti, err := s.targetInfo(r, t)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ti)
}

// target resolves {branch}/{arch}, answering 400 or 404 itself (nil).
func (s *Server) target(w http.ResponseWriter, r *http.Request) *daemon.Target {
	b, a := r.PathValue("branch"), r.PathValue("arch")
	if !validName(b) || !validName(a) {
		writeError(w, http.StatusBadRequest, "bad_target", fmt.Sprintf("target %q/%q: names are 1 to 64 letters, digits, '.', '_' or '-'", b, a))
		return nil
	}
	t := s.opts.Daemon.Target(b + "/" + a)
	if t == nil {
		writeError(w, http.StatusNotFound, "target_not_found", "no target "+b+"/"+a)
	}
	return t
}

// listRuns answers every target's runs, newest first (?target= selects
// one target, ?state= one run state).
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	targets := s.opts.Daemon.Targets()
	if name := q.Get("target"); name != "" {
		t := s.opts.Daemon.Target(name)
		if t == nil {
			writeError(w, http.StatusNotFound, "target_not_found", fmt.Sprintf("no target %q", name))
			return
		}
		targets = []*daemon.Target{t}
	}
	state := q.Get("state")
	if state != "" && !slices.Contains([]buildrun.RunState{buildrun.RunRunning, buildrun.RunComplete, buildrun.RunFailed, buildrun.RunCancelled, buildrun.RunError}, buildrun.RunState(state)) {
		writeError(w, http.StatusBadRequest, "bad_state", fmt.Sprintf("state %q (want running, complete, failed, cancelled or error)", state))
		return
	}
	out := []*buildrun.Run{}
	for _, t := range targets {
		runs, err := t.Engine().Records().Runs(r.Context())
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, run := range runs {
			if state == "" || string(run.State) == state {
				out = append(out, run)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *buildrun.Run) int { return b.Created.Compare(a.Created) })
	writeJSON(w, http.StatusOK, out)
}

type runJSON struct {
	Run    *buildrun.Run    `json:"run"`
	Builds []buildrun.Build `json:"builds"`
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validRunID(id) {
		writeError(w, http.StatusBadRequest, "bad_run_id", fmt.Sprintf("run id %q", id))
		return
	}
	// The run in progress is answered from memory: reading its build
	// records from the store per request was most of this route's cost
	// under load (TestLoad), and memory is as fresh as the records.
	for _, t := range s.opts.Daemon.Targets() {
		if a, ok := t.Engine().Active(); ok && a.ID() == id {
			run, builds := a.Run(), a.Builds()
			slices.SortFunc(builds, func(x, y buildrun.Build) int { return cmp.Compare(x.Number, y.Number) })
			writeJSON(w, http.StatusOK, runJSON{Run: &run, Builds: builds})
			return
		}
	}
	t, run, ok := s.findRun(w, r, id)
	if !ok {
		return
	}
	builds, err := t.Engine().Records().Builds(r.Context(), id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, runJSON{Run: run, Builds: builds})
}

// findRun finds the target holding run id, answering 404 itself.
func (s *Server) findRun(w http.ResponseWriter, r *http.Request, id string) (*daemon.Target, *buildrun.Run, bool) {
	for _, t := range s.opts.Daemon.Targets() {
		run, err := t.Engine().Records().Run(r.Context(), id)
		if errors.Is(err, buildrun.ErrNotFound) {
			continue
		}
		if err != nil {
			s.internal(w, r, err)
			return nil, nil, false
		}
		return t, run, true
	}
	writeError(w, http.StatusNotFound, "run_not_found", "no run "+id)
	return nil, nil, false
}

// getBuildLog answers a build's log as text; the build id is
// "<run id>:<build number>".
func (s *Server) getBuildLog(w http.ResponseWriter, r *http.Request) {
	runID, n, ok := buildID(w, r)
	if !ok {
		return
	}
	t, _, ok := s.findRun(w, r, runID)
	if !ok {
		return
	}
	rd := t.Engine().Records()
	if _, err := rd.Build(r.Context(), runID, n); errors.Is(err, buildrun.ErrNotFound) {
		writeError(w, http.StatusNotFound, "build_not_found", fmt.Sprintf("run %s has no build %d", runID, n))
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := rd.Log(r.Context(), runID, buildrun.BuildLog(n), w); err != nil && !errors.Is(err, buildrun.ErrNotFound) {
		s.log.Warn("build log", "run", runID, "build", n, "err", err)
	}
}

type builderJSON struct {
	Target string `json:"target"`
	Name   string `json:"name"`
	builder.Status
}

func (s *Server) listBuilders(w http.ResponseWriter, r *http.Request) {
	out := []builderJSON{}
	for _, t := range s.opts.Daemon.Targets() {
		for _, b := range t.Builders() {
			out = append(out, builderJSON{Target: t.Name(), Name: b.Name(), Status: b.Status()})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error (see the server log)")
}

// validName: a branch or architecture name.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validRunID: what buildrun's run ids look like (20261203T075000.123Z-abcdef).
func validRunID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
