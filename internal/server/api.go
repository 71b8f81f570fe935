package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
	} else if l := out.Loop.Lease; l != nil && !l.Held && l.Run != "" {
		// Another replica drives the run: its status.json, as it last
		// wrote it (every second).
		if st, err := storedStatus(r, t, l.Run); err == nil {
			out.Run, out.RunID = st, l.Run
		}
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

// listRuns answers every target's runs, newest first (ties by id):
// ?target= selects one target, ?state= one run state, ?port= runs that
// built or tried a port whose name contains it (Target.RunHasPort).
// Pages of ?limit= runs (default 100, at most 1,000); a Link header
// rel="next" names the next page (?after=<the last run's id>).
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
	port := strings.ToLower(q.Get("port"))
	if len(port) > 200 {
		writeError(w, http.StatusBadRequest, "bad_port", "the port filter is longer than 200 characters")
		return
	}
	limit, after, ok := pageParams(w, q)
	if !ok {
		return
	}
	type found struct {
		t   *daemon.Target
		run *buildrun.Run
	}
	var all []found
	for _, t := range targets {
		runs, err := t.Engine().Records().Runs(r.Context())
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, run := range runs {
			if state == "" || string(run.State) == state {
				all = append(all, found{t, run})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b found) int {
		if c := b.run.Created.Compare(a.run.Created); c != 0 {
			return c
		}
		return strings.Compare(b.run.ID, a.run.ID)
	})
	if after != "" {
		i := slices.IndexFunc(all, func(f found) bool { return f.run.ID == after })
		if i < 0 {
			writeError(w, http.StatusNotFound, "run_not_found", fmt.Sprintf("after=%s: no such run (in this listing)", after))
			return
		}
		all = all[i+1:]
	}
	out := []*buildrun.Run{}
	more := false
	for _, f := range all {
		if port != "" {
			has, err := f.t.RunHasPort(r.Context(), f.run, port)
			if err != nil {
				s.internal(w, r, err)
				return
			}
			if !has {
				continue
			}
		}
		if len(out) == limit {
			more = true
			break
		}
		out = append(out, f.run)
	}
	if more {
		next := *r.URL
		nq := next.Query()
		nq.Set("after", out[len(out)-1].ID)
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, out)
}

// Pages of run lists: ?limit= (default and maximum) and ?after=<run id>.
const (
	defaultPage = 100
	maxPage     = 1000
)

// pageParams reads ?limit= and ?after=, answering 400 itself (ok false).
func pageParams(w http.ResponseWriter, q url.Values) (limit int, after string, ok bool) {
	limit = defaultPage
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPage {
			writeError(w, http.StatusBadRequest, "bad_limit", fmt.Sprintf("limit %q: 1 to %d", l, maxPage))
			return 0, "", false
		}
		limit = n
	}
	after = q.Get("after")
	if after != "" && !validRunID(after) {
		writeError(w, http.StatusBadRequest, "bad_run_id", fmt.Sprintf("after %q: not a run id", after))
		return 0, "", false
	}
	return limit, after, true
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
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Accept-Ranges", "bytes")
	out := io.Writer(w)
	if spec := r.Header.Get("Range"); spec != "" {
		size, err := rd.LogSize(r.Context(), runID, buildrun.BuildLog(n))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		start, end, ok := parseRange(spec, size)
		switch {
		case !ok:
			// Several ranges or another unit: the whole log (RFC 9110 allows it).
		case start < 0:
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			writeError(w, http.StatusRequestedRangeNotSatisfiable, "bad_range", fmt.Sprintf("range %q: the log has %d bytes", spec, size))
			return
		default:
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
			h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
			w.WriteHeader(http.StatusPartialContent)
			out = &window{w: w, skip: start, left: end - start + 1}
		}
	}
	if _, err := rd.Log(r.Context(), runID, buildrun.BuildLog(n), out); err != nil && !errors.Is(err, buildrun.ErrNotFound) && !errors.Is(err, errWindowFull) {
		s.log.Warn("build log", "run", runID, "build", n, "err", err)
	}
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

// storedStatus reads the status.json a run's driver writes.
func storedStatus(r *http.Request, t *daemon.Target, id string) (*buildrun.Status, error) {
	b, err := t.Engine().Records().File(r.Context(), id, "status.json")
	if err != nil {
		return nil, err
	}
	var st buildrun.Status
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}
