package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

type snapshotsPage struct {
	Target    navTarget
	Snapshots []repo.SnapshotInfo // newest first
	Head      string
	// From and To preselect the diff form: the head's parent and the head.
	From, To string
	// Earlier are the snapshots a rollback can go to: every readable one
	// but the head.
	Earlier []string
}

// snapshots serves GET /targets/{branch}/{arch}/snapshots: every stored
// snapshot, newest first, a form to compare two of them, and the admin's
// rollback form (posting to the API with a bearer token by JavaScript;
// without it the page says how to roll back with curl or the kiln CLI).
func (u *UI) snapshots(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	ss, err := u.snaps.list(r.Context(), t)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := snapshotsPage{Target: navTargetOf(t), Snapshots: ss}
	for _, s := range ss {
		switch {
		case s.Head:
			p.Head, p.To, p.From = s.ID, s.ID, s.Parent
		case s.Err == nil:
			p.Earlier = append(p.Earlier, s.ID)
		}
	}
	u.render(w, r, http.StatusOK, "snapshots.html", page{Title: "Snapshots of " + t.Name(), Nav: t.Name() + "/packages",
		Scripts: []string{"rollback.js"}, Data: p})
}

type diffPage struct {
	Target   navTarget
	From, To *repo.Manifest
	Diff     repo.Diff
	Added    []pkgRow
	Removed  []pkgRow
	Changed  [][2]pkgRow
}

// snapshotDiff serves GET /targets/{branch}/{arch}/snapshots/diff?from=A&to=B:
// the packages added, removed and changed from snapshot A to B (ids, or
// head / head~N).
func (u *UI) snapshotDiff(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	var ms [2]*repo.Manifest
	for i, k := range []string{"from", "to"} {
		v := q.Get(k)
		if !validSnapshotName(v) {
			u.badRequest(w, r, fmt.Sprintf("?%s=%q: give a snapshot id (letters, digits, '.', '_', '-'), head or head~N.", k, v))
			return
		}
		m, err := t.Repo().ResolveSnapshot(r.Context(), v)
		if errors.Is(err, repo.ErrSnapshotNotFound) || errors.Is(err, repo.ErrNoHead) {
			u.notFound(w, r, fmt.Sprintf("%s has no snapshot %s.", t.Name(), v))
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		ms[i] = m
	}
	d := repo.DiffManifests(ms[0], ms[1])
	p := diffPage{Target: navTargetOf(t), From: ms[0], To: ms[1], Diff: d}
	for _, x := range d.Added {
		p.Added = append(p.Added, rowOf(x))
	}
	for _, x := range d.Removed {
		p.Removed = append(p.Removed, rowOf(x))
	}
	for _, c := range d.Changed {
		p.Changed = append(p.Changed, [2]pkgRow{rowOf(c[0]), rowOf(c[1])})
	}
	u.render(w, r, http.StatusOK, "diff.html", page{Title: "Snapshot " + ms[0].ID + " → " + ms[1].ID, Nav: t.Name() + "/packages", Data: p})
}

// validSnapshotName: a snapshot id, head, current or head~N, checked
// before any lookup.
func validSnapshotName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	if store.SafeSegment(s) {
		return true
	}
	for _, base := range []string{"head~", "current~"} {
		if len(s) > len(base) && s[:len(base)] == base {
			for _, c := range s[len(base):] {
				if c < '0' || c > '9' {
					return false
				}
			}
			return true
		}
	}
	return false
}
