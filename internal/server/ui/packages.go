package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
)

// perPage is how many packages a page of the packages list shows (a
// variable for the tests).
var perPage = 50

// maxQuery bounds a search (?q=).
const maxQuery = 200

type packagesPage struct {
	Target navTarget
	Head   *repo.Head
	Q      string
	Page   int
	Pages  int
	// Prev and Next are the neighbouring pages' numbers (0: none).
	Prev, Next int
	Total      int // packages in the head
	Matches    int // packages matching Q
	First      int // number of the page's first package (1-based)
	Packages   []pkgRow
}

// pkgRow is a package with its size for people.
type pkgRow struct {
	repo.Package
	SizeText string
}

func rowOf(p repo.Package) pkgRow { return pkgRow{Package: p, SizeText: sizeText(p.Size)} }

// sizeText formats n bytes for people: 812 B, 4.2 KiB, 13.0 MiB.
func sizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	}
}

// packages serves GET /targets/{branch}/{arch}/packages: the head
// snapshot's packages, sorted by file name, perPage a page (?page=,
// 1-based), filtered by ?q= (case-insensitive substring of the name,
// file name, summary or a provided resolvable). A form, so it works
// without JavaScript.
func (u *UI) packages(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		u.badRequest(w, r, fmt.Sprintf("The search is %d bytes long; at most %d are searched.", len(q), maxQuery))
		return
	}
	pg, ok := u.pageNumber(w, r)
	if !ok {
		return
	}
	p := packagesPage{Target: navTargetOf(t), Q: q, Page: pg}
	h, m, err := t.Repo().Current(r.Context())
	switch {
	case errors.Is(err, repo.ErrNoHead):
	case err != nil:
		u.fail(w, r, err)
		return
	default:
		p.Head, p.Total = h, len(m.Packages)
		var match []repo.Package
		for _, pk := range m.Packages {
			if q == "" || pk.Matches(q) {
				match = append(match, pk)
			}
		}
		p.Matches = len(match)
		p.Pages = max(1, (len(match)+perPage-1)/perPage)
		if pg > p.Pages {
			u.notFound(w, r, fmt.Sprintf("There is no page %d: the list has %d pages.", pg, p.Pages))
			return
		}
		lo := (pg - 1) * perPage
		for _, pk := range match[lo:min(lo+perPage, len(match))] {
			p.Packages = append(p.Packages, rowOf(pk))
		}
		p.First = lo + 1
		if pg > 1 {
			p.Prev = pg - 1
		}
		if pg < p.Pages {
			p.Next = pg + 1
		}
	}
	if p.Head == nil && pg > 1 {
		u.notFound(w, r, fmt.Sprintf("There is no page %d: nothing is published.", pg))
		return
	}
	title := "Packages of " + t.Name()
	if q != "" {
		title = "Packages of " + t.Name() + " matching " + strconv.Quote(q)
	}
	u.render(w, r, http.StatusOK, "packages.html", page{Title: title, Nav: t.Name() + "/packages", Data: p})
}

// pageNumber reads ?page= (default 1), answering 400 itself.
func (u *UI) pageNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		u.badRequest(w, r, fmt.Sprintf("Page %q: pages are numbered from 1.", v))
		return 0, false
	}
	return n, true
}

func navTargetOf(t *daemon.Target) navTarget {
	rt := t.RepoTarget()
	return navTarget{Name: t.Name(), Branch: rt.Branch, Arch: rt.Arch}
}

type packagePage struct {
	Target navTarget
	// Snapshot lists the package; Current: it is the head (no ?snapshot=).
	Snapshot string
	Current  bool
	Package  pkgRow
	// Run and Build are the build that made it (from its source record).
	Run   string
	Build int64
}

// pkg serves GET /targets/{branch}/{arch}/packages/{file}: one package
// of the head snapshot (?snapshot=: of that snapshot).
func (u *UI) pkg(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	file := r.PathValue("file")
	if !validFileName(file) {
		u.badRequest(w, r, fmt.Sprintf("Package file %q: a file name is 1 to 255 letters, digits, '.', '_', '-', '+' or '~'.", file))
		return
	}
	// ?snapshot= shows the package as an earlier snapshot lists it (the
	// diff page links removed packages so).
	var m *repo.Manifest
	snap := r.URL.Query().Get("snapshot")
	if snap != "" {
		if !validSnapshotName(snap) {
			u.badRequest(w, r, fmt.Sprintf("?snapshot=%q: give a snapshot id, head or head~N.", snap))
			return
		}
		var err error
		m, err = t.Repo().ResolveSnapshot(r.Context(), snap)
		if errors.Is(err, repo.ErrSnapshotNotFound) || errors.Is(err, repo.ErrNoHead) {
			u.notFound(w, r, fmt.Sprintf("%s has no snapshot %s.", t.Name(), snap))
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
	} else {
		_, cur, err := t.Repo().Current(r.Context())
		if errors.Is(err, repo.ErrNoHead) {
			u.notFound(w, r, t.Name()+" has published nothing yet.")
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		m = cur
	}
	pk, ok := m.Lookup(file)
	if !ok {
		u.notFound(w, r, fmt.Sprintf("The snapshot %s of %s has no package %s.", m.ID, t.Name(), file))
		return
	}
	p := packagePage{Target: navTargetOf(t), Snapshot: m.ID, Package: rowOf(pk), Current: snap == ""}
	if run, n, ok := strings.Cut(pk.Source.BuildID, "/"); ok && validRunID(run) {
		if b, err := strconv.ParseInt(n, 10, 64); err == nil && b > 0 {
			p.Run, p.Build = run, b
		}
	}
	u.render(w, r, http.StatusOK, "package.html", page{Title: pk.File + " · " + t.Name(), Nav: t.Name() + "/packages", Data: p})
}

// validFileName: a package file name as manifests list them, checked
// before any lookup.
func validFileName(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+~", c)) {
			return false
		}
	}
	return true
}
