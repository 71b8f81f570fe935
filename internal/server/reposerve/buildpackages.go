package reposerve

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/haikuports/kiln/internal/repo"
)

// BuildPackagesInfo is what <prefix>/<branch>/<arch>/build-packages says
// of one build-packages repository.
type BuildPackagesInfo struct {
	Name       string `json:"name"`
	From       string `json:"from"` // the head snapshot it was cut from
	RepoSHA256 string `json:"repoSHA256"`
	Packages   int    `json:"packages"`
}

// loadBuilds lists the target's build-packages repositories (one
// delimited listing) and reads the manifests of those the served view
// does not hold yet (they never change). A name without a manifest (a
// create in progress or interrupted) is left out until it has one.
func (tg *target) loadBuilds(ctx context.Context) (map[string]*repo.Manifest, error) {
	names, err := tg.r.BuildPackagesNames(ctx)
	if err != nil {
		return nil, err
	}
	var prev map[string]*repo.Manifest
	if v := tg.cur.Load(); v != nil {
		prev = v.builds
	}
	out := make(map[string]*repo.Manifest, len(names))
	for _, n := range names {
		if m := prev[n]; m != nil {
			out[n] = m
			continue
		}
		m, err := tg.r.BuildPackages(ctx, n)
		switch {
		case errors.Is(err, repo.ErrBuildPackagesNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[n] = m
	}
	return out, nil
}

func (h *Handler) listBuildPackages(w http.ResponseWriter, r *http.Request, branch, arch string) {
	tg := h.targets[branch+"/"+arch]
	if tg == nil {
		http.Error(w, "no target "+branch+"/"+arch, http.StatusNotFound)
		return
	}
	out := []BuildPackagesInfo{}
	if v := tg.cur.Load(); v != nil {
		for _, n := range slices.Sorted(maps.Keys(v.builds)) {
			m := v.builds[n]
			out = append(out, BuildPackagesInfo{Name: n, From: m.Parent, RepoSHA256: m.RepoSHA256, Packages: len(m.Packages)})
		}
	}
	h.writeJSON(w, r, out)
}

// serveBuildFile answers a file of a build-packages repository: its own
// immutable repo files, or a package it lists from current/packages/.
func (h *Handler) serveBuildFile(w http.ResponseWriter, r *http.Request, rt route) {
	tg := h.targets[rt.Branch+"/"+rt.Arch]
	if tg == nil {
		http.Error(w, "no such target", http.StatusNotFound)
		return
	}
	v := tg.cur.Load()
	if v == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "repository not loaded yet", http.StatusServiceUnavailable)
		return
	}
	m := v.builds[rt.Build]
	if m == nil {
		http.Error(w, "no build-packages repository "+rt.Build+" in "+tg.name(), http.StatusNotFound)
		return
	}
	var key string
	var size int64 = -1
	switch {
	case rt.Package != "":
		p, ok := m.Lookup(rt.Package)
		if !ok {
			http.Error(w, "build-packages "+rt.Build+" of "+tg.name()+" lists no "+rt.Package, http.StatusNotFound)
			return
		}
		key, size = tg.r.PackageKey(p.File), p.Size
	case rt.File == repo.FileRepoMinisig && !m.Signed:
		http.Error(w, "build-packages "+rt.Build+" is not signed", http.StatusNotFound)
		return
	default:
		key = tg.r.BuildPackagesKey(rt.Build, rt.File)
	}
	h.deliver(w, r, tg, key, rt.File, size, immutableCache, false)
}
