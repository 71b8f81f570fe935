package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// maxDependencyInfo bounds one file LoadHaikuPorterRepository reads.
const maxDependencyInfo = 64 << 20

// LoadHaikuPorterRepository reads the ports of a HaikuPorter repository
// directory (haikuports/repository/, written by "haikuporter
// --repository-update"): the *.DependencyInfo file of each package of each
// active port, grouped into ports by .portIdForPackageIdMap, and the port
// versions in .skipped/ without an active version, as broken ports. The
// REVISION of a port comes from recipeCache/<port>-<version>-<arch> when
// that exists and is 1 otherwise. Requirements and provides that do not
// parse are skipped, as HaikuPorter does.
//
// It lets kiln plan exactly on HaikuPorter's view of a tree, for
// comparisons, without evaluating recipes.
func LoadHaikuPorterRepository(dir string, target recipe.Target) ([]*recipe.Port, error) {
	var pkgToPort map[string]string
	if err := readJSON(filepath.Join(dir, ".portIdForPackageIdMap"), &pkgToPort); err != nil {
		return nil, err
	}
	pkgIDs := make([]string, 0, len(pkgToPort))
	for k := range pkgToPort {
		pkgIDs = append(pkgIDs, k)
	}
	slices.Sort(pkgIDs)
	byPort := make(map[string]*recipe.Port)
	active := make(map[string]bool)
	for _, pid := range pkgIDs {
		portID := pkgToPort[pid]
		var di recipe.DependencyInfo
		if err := readJSON(filepath.Join(dir, pid+".DependencyInfo"), &di); err != nil {
			return nil, err
		}
		p := byPort[portID]
		if p == nil {
			name, version, ok := strings.Cut(portID, "-")
			if !ok {
				return nil, fmt.Errorf("%w: %s: port id %q has no version", ErrInput, dir, portID)
			}
			p = &recipe.Port{Name: name, BaseName: name, Version: version, Revision: revisionOf(dir, portID, target),
				Status: recipe.StatusStable, Buildable: true, Target: target,
				BuildRequires:    parseExpressions(di.BuildRequires),
				BuildPrerequires: parseExpressions(di.BuildPrerequires),
				TestRequires:     parseExpressions(di.TestRequires)}
			byPort[portID] = p
			active[name] = true
		}
		arch, err := pkginfo.ParseArchitecture(di.Architecture)
		if err != nil {
			return nil, fmt.Errorf("%w: %s.DependencyInfo: %w", ErrInput, pid, err)
		}
		v, err := pkginfo.ParseVersion(di.Version)
		if err != nil {
			return nil, fmt.Errorf("%w: %s.DependencyInfo: %w", ErrInput, pid, err)
		}
		v.Revision = p.Revision
		pk := recipe.Package{Name: di.Name, Type: packageType(p.Name, di.Name), Architecture: arch, Version: v,
			Status: recipe.StatusStable, Requires: parseExpressions(di.Requires), RawVersion: di.Version}
		for _, s := range di.Provides {
			if r, err := pkginfo.ParseResolvable(s); err == nil {
				pk.Provides = append(pk.Provides, r)
			}
		}
		p.Packages = append(p.Packages, pk)
	}
	skipped, err := os.ReadDir(filepath.Join(dir, ".skipped"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	// One version per port: the highest skipped one.
	brokenByName := make(map[string]*recipe.Port)
	for _, e := range skipped {
		name, version, ok := strings.Cut(e.Name(), "-")
		if !ok || active[name] {
			continue
		}
		if old, ok := brokenByName[name]; ok {
			if recipe.CompareVersions(old.Version, version) >= 0 {
				continue
			}
			delete(byPort, old.ID())
		}
		bp := &recipe.Port{Name: name, BaseName: name, Version: version, Revision: 1,
			Status: recipe.StatusBroken, Target: target,
			Error: "skipped by HaikuPorter on " + target.Arch.String() + " (broken or not buildable)"}
		brokenByName[name] = bp
		byPort[bp.ID()] = bp
	}
	out := make([]*recipe.Port, 0, len(byPort))
	for _, p := range byPort {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *recipe.Port) int { return strings.Compare(a.ID(), b.ID()) })
	return out, nil
}

func parseExpressions(l []string) []pkginfo.Expression {
	var out []pkginfo.Expression
	for _, s := range l {
		if e, err := pkginfo.ParseExpression(s); err == nil {
			out = append(out, e)
		}
	}
	return out
}

// packageType derives the package type from the name's suffix, as
// HaikuPorter does from the key extension.
func packageType(port, pkg string) string {
	for _, t := range []string{"debuginfo", "devel", "doc", "source"} {
		if strings.HasSuffix(pkg, "_"+t) && pkg != port {
			return t
		}
	}
	return "general"
}

// revisionOf reads REVISION from HaikuPorter's recipe cache, or returns 1.
func revisionOf(dir, portID string, target recipe.Target) uint32 {
	var cache []json.RawMessage
	if err := readJSON(filepath.Join(dir, "recipeCache", portID+"-"+target.Arch.String()), &cache); err != nil || len(cache) == 0 {
		return 1
	}
	var keys map[string]struct {
		Revision json.Number `json:"REVISION"`
	}
	if err := json.Unmarshal(cache[0], &keys); err != nil {
		return 1
	}
	exts := make([]string, 0, len(keys))
	for k := range keys {
		exts = append(exts, k)
	}
	slices.Sort(exts) // "" (the base package) first
	for _, k := range exts {
		if n, err := keys[k].Revision.Int64(); err == nil && n > 0 && n <= 1<<32-1 {
			return uint32(n)
		}
	}
	return 1
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDependencyInfo+1))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if len(b) > maxDependencyInfo {
		return fmt.Errorf("%w: %s: larger than %d bytes", ErrInput, path, maxDependencyInfo)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	return nil
}
