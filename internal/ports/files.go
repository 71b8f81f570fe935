package ports

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/recipe"
)

// PortRef is a port version that references some of a set of files.
type PortRef struct {
	ID      string `json:"id"` // name-version, with _<arch> for secondary ports
	Name    string `json:"name"`
	Version string `json:"version"`
	// RecipePath is the recipe's path relative to the tree root.
	RecipePath string `json:"recipePath"`
	// Files are the given files the port version references.
	Files []string `json:"files"`
	// Removed is set for a recipe file that is among the files but no
	// longer in the tree (a deleted port version).
	Removed bool `json:"removed,omitempty"`
}

// PortsForFiles returns the port versions of the tree (every version and
// target variant, not only active ones) that reference any of files, as
// HaikuPorter's --ports-for-files does: the recipe itself, a patch in
// PATCHES, a file in ADDITIONAL_FILES (or below one that is a directory),
// or licenses/<LICENSE entry>. Files are paths relative to the tree root
// with slashes (as ChangedFiles returns them). A broken recipe references
// only itself. Recipe files not in the tree give Removed entries. Only
// recipes in the directories of the given files are evaluated (through
// the cache). The result is sorted by ID.
func (t *Tree) PortsForFiles(ctx context.Context, files []string) ([]PortRef, error) {
	byDir := map[string][]string{}
	for _, f := range files {
		f = path.Clean(filepath.ToSlash(f))
		parts := strings.Split(f, "/")
		if len(parts) < 3 {
			continue
		}
		dir := parts[0] + "/" + parts[1]
		byDir[dir] = append(byDir[dir], f)
	}
	var refs []PortRef
	inTree := map[string]bool{}
	for i := range t.Scan.Recipes {
		r := &t.Scan.Recipes[i]
		inTree[r.Path] = true
		dirFiles := byDir[r.PortDir()]
		if len(dirFiles) == 0 {
			continue
		}
		for _, v := range variants(t.Target) {
			name := r.Name
			if v.ForSecondary != 0 {
				name += "_" + v.ForSecondary.String()
			}
			ref := PortRef{ID: name + "-" + r.Version, Name: name, Version: r.Version, RecipePath: r.Path}
			if slices.Contains(dirFiles, r.Path) {
				ref.Files = []string{r.Path}
			} else if r.Category != "meta-ports" {
				p, err := t.ev.port(ctx, r, v, nil)
				if err != nil {
					return nil, err
				}
				ref.Files = t.referenced(r.PortDir(), p, dirFiles)
			}
			if len(ref.Files) > 0 {
				refs = append(refs, ref)
			}
		}
	}
	for _, fs := range byDir {
		for _, f := range fs {
			if inTree[f] || strings.Count(f, "/") != 2 || !strings.HasSuffix(f, ".recipe") {
				continue
			}
			name, version, err := recipe.RecipeName(f)
			if err != nil {
				continue
			}
			for _, v := range variants(t.Target) {
				n := name
				if v.ForSecondary != 0 {
					n += "_" + v.ForSecondary.String()
				}
				refs = append(refs, PortRef{ID: n + "-" + version, Name: n, Version: version,
					RecipePath: f, Files: []string{f}, Removed: true})
			}
		}
	}
	if err := t.cache.save(); err != nil {
		t.opts.Logger.Warn("cache not saved", "err", err)
	}
	slices.SortFunc(refs, func(a, b PortRef) int { return cmpStrings(a.ID, b.ID) })
	return refs, nil
}

// referenced returns the files among dirFiles that the evaluated port p
// (in tree directory portDir) references besides its recipe.
func (t *Tree) referenced(portDir string, p *recipe.Port, dirFiles []string) []string {
	var out []string
	for _, f := range dirFiles {
		rel := strings.TrimPrefix(f, portDir+"/")
		hit := containsClean(p.Patches, rel) || containsClean(p.Licenses, rel)
		for _, a := range p.AdditionalFiles {
			a = path.Clean(a)
			if hit {
				break
			}
			if rel == a {
				hit = true
			} else if fi, err := os.Stat(filepath.Join(t.Root, filepath.FromSlash(portDir), filepath.FromSlash(a))); err == nil && fi.IsDir() && strings.HasPrefix(rel, a+"/") {
				hit = true
			}
		}
		if hit {
			out = append(out, f)
		}
	}
	return out
}

func containsClean(l []string, s string) bool {
	for _, x := range l {
		if path.Clean(x) == s {
			return true
		}
	}
	return false
}
