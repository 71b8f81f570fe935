package builder

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// PortOf is the job Port of an evaluated recipe.
func PortOf(p *recipe.Port) Port {
	return Port{
		Name:           p.Name,
		Version:        p.Version,
		Revision:       strconv.FormatUint(uint64(p.Revision), 10),
		RecipeFilePath: p.RecipePath,
	}
}

// OutputInfos returns the package info of each of outputs (file names, as
// plan.PortPlan.Outputs lists them) from the recipe's packages, for
// Job.OutputInfos: name, version, architecture, summary, description,
// provides, requires, supplements, conflicts, freshens and replaces, and
// the licenses the recipe names. Replaces are read as Haiku reads the
// .PackageInfo HaikuPorter writes them into: a '#' starts a comment. Fields the recipe does not give (vendor,
// packager, copyrights) are left for the builder to fill. An output no
// package of p produces is an error.
func OutputInfos(p *recipe.Port, outputs []string) (map[string]*pkginfo.PackageInfo, error) {
	byFile := make(map[string]*recipe.Package, len(p.Packages))
	for i := range p.Packages {
		byFile[p.Packages[i].FileName()] = &p.Packages[i]
	}
	var licenses []string
	for _, l := range p.Licenses {
		if name, ok := strings.CutPrefix(l, "licenses/"); ok {
			licenses = append(licenses, name)
		}
	}
	infos := make(map[string]*pkginfo.PackageInfo, len(outputs))
	for _, f := range outputs {
		pk := byFile[f]
		if pk == nil {
			return nil, fmt.Errorf("builder: port %s produces no package %s", p.ID(), f)
		}
		infos[f] = &pkginfo.PackageInfo{
			Name:         pk.Name,
			Summary:      pk.Summary,
			Description:  pk.Description,
			Architecture: pk.Architecture,
			Version:      pk.Version,
			Licenses:     licenses,
			URLs:         p.Homepage,
			Provides:     pk.Provides,
			Requires:     pk.Requires,
			Supplements:  pk.Supplements,
			Conflicts:    pk.Conflicts,
			Freshens:     pk.Freshens,
			Replaces:     packageInfoWords(pk.Replaces),
		}
	}
	return infos, nil
}

// packageInfoWords drops comments and blank entries from a list written
// one entry a line into a .PackageInfo.
func packageInfoWords(l []string) []string {
	var out []string
	for _, s := range l {
		s, _, _ = strings.Cut(s, "#")
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
