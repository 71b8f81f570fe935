package ports

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haikuports/kiln/internal/recipe"
)

// Recipe is one recipe file of a tree.
type Recipe struct {
	Category string `json:"category"`
	Name     string `json:"name"`    // port name from the file name
	Version  string `json:"version"` // version from the file name
	// Path is the recipe's path relative to the tree root, with slashes
	// ("sys-libs/zlib/zlib-1.3.recipe").
	Path string `json:"path"`
}

// ID is "name-version".
func (r *Recipe) ID() string { return r.Name + "-" + r.Version }

// PortDir is the port directory relative to the tree root.
func (r *Recipe) PortDir() string { return path.Dir(r.Path) }

// ScanResult is the set of recipes of a tree, as HaikuPorter collects them.
type ScanResult struct {
	// Recipes are the recipes in tree order (categories, ports and files
	// sorted by name).
	Recipes []Recipe
	// Versions maps each port name to its versions, newest first.
	Versions map[string][]string
	// ByID maps "name-version" to its recipe.
	ByID map[string]*Recipe
	// Warnings are recipes HaikuPorter ignores: file names that are not
	// <name>-<version>.recipe, and duplicates of a port version in a later
	// category.
	Warnings []string

	// dirs holds each port directory's entries (key: absolute path), read
	// once for scanning and fingerprinting.
	dirs map[string][]os.DirEntry
}

// Scan collects the recipes of the tree at root with HaikuPorter's rules:
// category folders contain a '-' and do not start with '.', port folders
// do not start with '.', recipe files are named <name>-<version>.recipe
// with exactly one '-', and of two recipes for the same port version the
// one in the first category (sorted) wins.
func Scan(root string) (*ScanResult, error) {
	cats, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("ports: scan: %w", err)
	}
	var names []string
	for _, c := range cats {
		cn := c.Name()
		if isDir(root, c) && cn[0] != '.' && strings.Contains(cn, "-") {
			names = append(names, cn)
		}
	}
	// List the categories concurrently, then merge them in order.
	parts := make([]categoryScan, len(names))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				parts[i] = scanCategory(root, names[i])
			}
		}()
	}
	wg.Wait()
	sr := &ScanResult{Versions: map[string][]string{}, ByID: map[string]*Recipe{}, dirs: map[string][]os.DirEntry{}}
	seen := map[string]string{} // id -> category
	for _, part := range parts {
		if part.err != nil {
			return nil, part.err
		}
		for d, des := range part.dirs {
			sr.dirs[d] = des
		}
		sr.Warnings = append(sr.Warnings, part.warnings...)
		for _, r := range part.recipes {
			id := r.ID()
			if prev, ok := seen[id]; ok {
				sr.Warnings = append(sr.Warnings, fmt.Sprintf("%s is overruled by duplicate in %s", r.Path, prev))
				continue
			}
			seen[id] = r.Category
			sr.Recipes = append(sr.Recipes, r)
			sr.Versions[r.Name] = append(sr.Versions[r.Name], r.Version)
		}
	}
	for i := range sr.Recipes {
		sr.ByID[sr.Recipes[i].ID()] = &sr.Recipes[i]
	}
	for _, vs := range sr.Versions {
		slices.SortStableFunc(vs, func(a, b string) int { return recipe.CompareVersions(b, a) })
	}
	return sr, nil
}

// categoryScan is what one category folder holds.
type categoryScan struct {
	recipes  []Recipe
	warnings []string
	dirs     map[string][]os.DirEntry
	err      error
}

func scanCategory(root, cn string) (cs categoryScan) {
	cs.dirs = map[string][]os.DirEntry{}
	ports, err := os.ReadDir(filepath.Join(root, cn))
	if err != nil {
		cs.err = fmt.Errorf("ports: scan: %w", err)
		return cs
	}
	for _, p := range ports {
		pn := p.Name()
		if !isDir(filepath.Join(root, cn), p) || pn[0] == '.' {
			continue
		}
		dir := filepath.Join(root, cn, pn)
		files, err := os.ReadDir(dir)
		if err != nil {
			cs.err = fmt.Errorf("ports: scan: %w", err)
			return cs
		}
		cs.dirs[dir] = files
		for _, f := range files {
			fn := f.Name()
			stem, ok := strings.CutSuffix(fn, ".recipe")
			if !ok || !isRegular(dir, f) {
				continue
			}
			rel := cn + "/" + pn + "/" + fn
			parts := strings.Split(stem, "-")
			if len(parts) != 2 {
				cs.warnings = append(cs.warnings, "couldn't parse port/version info: "+rel)
				continue
			}
			cs.recipes = append(cs.recipes, Recipe{Category: cn, Name: parts[0], Version: parts[1], Path: rel})
		}
	}
	return cs
}

// isDir reports whether a directory entry is a directory, following
// symbolic links as os.path.isdir does.
func isDir(dir string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.IsDir()
}

func isRegular(dir string, e os.DirEntry) bool {
	if e.Type().IsRegular() {
		return true
	}
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.Mode().IsRegular()
}
