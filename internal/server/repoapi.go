package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/haikuports/kiln/internal/repo"
)

// packagesJSON is a page of a target's packages.
type packagesJSON struct {
	Snapshot string         `json:"snapshot"`
	Total    int            `json:"total"` // matching packages in all
	Packages []repo.Package `json:"packages"`
}

// listPackages: GET /api/v1/targets/{branch}/{arch}/packages answers the
// head snapshot's packages (?q= those whose name, file, summary or
// provides contain it, ignoring case), ?limit= (default 100, at most
// 1,000) from ?offset=. 404 "no_head" before the first publish.
func (s *Server) listPackages(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	search := q.Get("q")
	if len(search) > 200 {
		writeError(w, http.StatusBadRequest, "bad_query", "q is longer than 200 characters")
		return
	}
	limit, _, ok := pageParams(w, q)
	if !ok {
		return
	}
	offset := 0
	if o := q.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "bad_offset", fmt.Sprintf("offset %q", o))
			return
		}
		offset = n
	}
	m, ok := s.head(w, r, t.Repo())
	if !ok {
		return
	}
	out := packagesJSON{Snapshot: m.ID, Packages: []repo.Package{}}
	for _, p := range m.Packages {
		if search != "" && !p.Matches(search) {
			continue
		}
		if out.Total >= offset && len(out.Packages) < limit {
			out.Packages = append(out.Packages, p)
		}
		out.Total++
	}
	writeJSON(w, http.StatusOK, out)
}

// getPackage: GET /api/v1/targets/{branch}/{arch}/packages/{name} answers
// the head's package by file name or package name.
func (s *Server) getPackage(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	name := r.PathValue("name")
	if name == "" || len(name) > 255 || !validFile(name) {
		writeError(w, http.StatusBadRequest, "bad_package", fmt.Sprintf("package %q: a package or file name", name))
		return
	}
	m, ok := s.head(w, r, t.Repo())
	if !ok {
		return
	}
	if p, ok := m.Lookup(name); ok {
		writeJSON(w, http.StatusOK, p)
		return
	}
	for _, p := range m.Packages {
		if p.Info.Name == name {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	writeError(w, http.StatusNotFound, "package_not_found", fmt.Sprintf("%s's head snapshot %s has no package %s", t.Name(), m.ID, name))
}

// listSnapshots: GET /api/v1/targets/{branch}/{arch}/snapshots answers
// every stored snapshot (repo.Snapshots: one manifest read each).
func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	snaps, err := t.Repo().Snapshots(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if snaps == nil {
		snaps = []repo.SnapshotInfo{}
	}
	writeJSON(w, http.StatusOK, snaps)
}

// diffSnapshots: GET /api/v1/targets/{branch}/{arch}/snapshots/diff
// ?from=&to= (ids, head or head~N) answers what was added, removed and
// changed from one to the other.
func (s *Server) diffSnapshots(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	var ms [2]*repo.Manifest
	for i, k := range []string{"from", "to"} {
		v := r.URL.Query().Get(k)
		if !validSnapshot(v) {
			writeError(w, http.StatusBadRequest, "bad_snapshot", fmt.Sprintf("%s=%q: a snapshot id, head or head~N", k, v))
			return
		}
		m, err := t.Repo().ResolveSnapshot(r.Context(), v)
		if errors.Is(err, repo.ErrSnapshotNotFound) || errors.Is(err, repo.ErrNoHead) {
			writeError(w, http.StatusNotFound, "snapshot_not_found", fmt.Sprintf("%s has no snapshot %s", t.Name(), v))
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		ms[i] = m
	}
	writeJSON(w, http.StatusOK, repo.DiffManifests(ms[0], ms[1]))
}

// head reads a repository's head manifest, answering 404 "no_head"
// before the first publish.
func (s *Server) head(w http.ResponseWriter, r *http.Request, rp *repo.Repo) (*repo.Manifest, bool) {
	_, m, err := rp.Current(r.Context())
	if errors.Is(err, repo.ErrNoHead) {
		writeError(w, http.StatusNotFound, "no_head", "nothing published yet")
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return m, true
}

// validFile: a package or file name, never a path.
func validFile(s string) bool {
	if s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '~' || c == '+') {
			return false
		}
	}
	return true
}
