package ui

import (
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/daemon"
)

// repoRoutes are the pages about a target's repository and plan: the
// failure feeds, packages, snapshots and the plan.
func (u *UI) repoRoutes() []Route {
	return []Route{
		{"GET /failures.atom", u.allFailuresFeed},
		{"GET /targets/{branch}/{arch}/failures.atom", u.failureFeed},
		{"GET /targets/{branch}/{arch}/packages", u.packages},
		{"GET /targets/{branch}/{arch}/packages/{file}", u.pkg},
		{"GET /targets/{branch}/{arch}/snapshots", u.snapshots},
		{"GET /targets/{branch}/{arch}/snapshots/diff", u.snapshotDiff},
		{"GET /targets/{branch}/{arch}/plan", u.planView},
	}
}

// pathTarget resolves the {branch}/{arch} of a page's path, answering a
// 400 or 404 page itself (nil).
func (u *UI) pathTarget(w http.ResponseWriter, r *http.Request) *daemon.Target {
	b, a := r.PathValue("branch"), r.PathValue("arch")
	if !validName(b) || !validName(a) {
		u.badRequest(w, r, fmt.Sprintf("target %q/%q: names are 1 to 64 letters, digits, '.', '_' or '-'", b, a))
		return nil
	}
	t := u.d.Target(b + "/" + a)
	if t == nil {
		u.notFound(w, r, "There is no target "+b+"/"+a+".")
	}
	return t
}

// validName: a branch or architecture name (as the API checks it).
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
