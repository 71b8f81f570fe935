package recipe

import (
	"slices"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// packageType returns the package type for a recipe key extension.
func packageType(ext string) string {
	switch ext {
	case "debuginfo", "devel", "doc", "source":
		return ext
	}
	return "general"
}

// statusOn returns a package's status on a machine architecture
// (HaikuPorter's getStatusOnArchitecture).
func statusOn(archs archStatus, arch string) Status {
	if s, ok := archs[arch]; ok {
		return s
	}
	if s, ok := archs["any"]; ok {
		return s
	}
	if _, ok := archs["source"]; ok {
		return StatusStable
	}
	return StatusUnsupported
}

// statusOnTarget returns a package's status on the target, looking at
// SECONDARY_ARCHITECTURES for a secondary architecture unless the package
// is for any architecture.
func statusOnTarget(keys *attrValues, target, secondary string) Status {
	archs, _ := keys.v[attrArchitectures].(archStatus)
	if _, any := archs["any"]; secondary != "" && !any {
		sec, _ := keys.v[attrSecondaryArchitectures].(archStatus)
		if s, ok := sec[secondary]; ok {
			return s
		}
		return StatusUnsupported
	}
	return statusOn(archs, target)
}

func buildable(s Status, st *Settings) bool {
	return s == StatusStable || s == StatusUntested && st.AllowUntested
}

// cleanRequires applies HaikuPorter's DependencyInfo rule for requires:
// drop comments, strip, drop empty entries and duplicates.
func cleanRequires(l []string) []string {
	out := make([]string, 0, len(l))
	for _, r := range l {
		r, _, _ = strings.Cut(r, "#")
		r = pyStrip(r)
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func stringList(v any) []string {
	l, _ := v.([]string)
	return l
}

// naturalLess orders source indexes as HaikuPorter does (naturalCompare).
func naturalLess(a, b string) int {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	if aerr == nil && berr == nil {
		return ai - bi
	}
	return strings.Compare(a, b)
}

// buildPort fills p from validated recipe keys, creating packages the way
// HaikuPorter's Port._parseRecipeFile does.
func buildPort(p *Port, rk *recipeKeys, pc *portContext, target, secondary string, st *Settings) error {
	base := rk.pkgs[0] // the base package's ("" sorts first)
	rev, _ := base.v[attrRevision].(int)
	if rev < 0 {
		return brokenf("REVISION %d is negative (in %s)", rev, pc.file)
	}
	p.Revision = uint32(rev)

	// sources
	uris, _ := base.v[attrSourceURI].(indexed)
	idxs := make([]string, 0, len(uris))
	for k := range uris {
		idxs = append(idxs, k)
	}
	// Indexes naturalLess finds equal ("1" and "001") keep their order of
	// appearance in HaikuPorter (a stable sort of its dict's keys); the
	// evaluator prints keys sorted, the unindexed key (index "1") first.
	// Without a fixed order before the stable sort, map iteration would
	// make the order of such sources random from one run to the next.
	slices.SortFunc(idxs, func(a, b string) int {
		if (a == "1") != (b == "1") {
			if a == "1" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	slices.SortStableFunc(idxs, naturalLess)
	basedOnSourcePackage := false
	patches, _ := base.v[attrPatches].(indexed)
	for _, i := range idxs {
		l := stringList(uris[i])
		if len(l) == 0 {
			if i == "1" {
				return brokenf("SOURCE_URI is empty (in %s)", pc.file)
			}
			return brokenf("SOURCE_URI_%s is empty (in %s)", i, pc.file)
		}
		if strings.HasPrefix(strings.ToLower(l[0]), "pkg:") {
			basedOnSourcePackage = true
		}
		p.SourceURIs = append(p.SourceURIs, l[0])
		if !pc.meta {
			for _, patch := range stringList(patches[i]) {
				if !strings.HasPrefix(strings.TrimLeft(patch, " \t"), "#") {
					p.Patches = append(p.Patches, "patches/"+patch)
				}
			}
		}
	}
	if !pc.meta {
		for _, f := range stringList(base.v[attrAdditionalFiles]) {
			p.AdditionalFiles = append(p.AdditionalFiles, "additional-files/"+f)
		}
	}
	if !pc.meta {
		for _, l := range stringList(rk.pkgs[len(rk.pkgs)-1].v[attrLicense]) {
			p.Licenses = append(p.Licenses, "licenses/"+l)
		}
	}
	if h := stringList(base.v[attrHomepage]); len(h) > 0 {
		p.Homepage = h
	}
	p.Summary, _ = base.v[attrSummary].(string)
	p.Message, _ = base.v[attrMessage].(string)
	p.RawBuildRequires = cleanRequires(stringList(base.v[attrBuildRequires]))
	p.RawBuildPrerequires = cleanRequires(stringList(base.v[attrBuildPrerequires]))
	p.RawTestRequires = cleanRequires(stringList(base.v[attrTestRequires]))
	p.BuildRequires = p.parseExpressions(p.RawBuildRequires)
	p.BuildPrerequires = p.parseExpressions(p.RawBuildPrerequires)
	p.TestRequires = p.parseExpressions(p.RawTestRequires)

	tarch, _ := pkginfo.ParseArchitecture(target)
	// The port's status is its first package's.
	var first struct {
		arch   pkginfo.Architecture
		status Status
	}
	declared := 0
	haveSource := false
	n := 1 // packages at most: those with PROVIDES and an automatic source package
	for _, keys := range rk.pkgs {
		if len(stringList(keys.v[attrProvides])) > 0 {
			n++
		}
	}
	p.Packages = make([]Package, 0, n)
	for i, ext := range rk.exts {
		keys := rk.pkgs[i]
		provides := stringList(keys.v[attrProvides])
		if len(provides) == 0 {
			continue
		}
		archs, _ := keys.v[attrArchitectures].(archStatus)
		name := pc.name
		if _, ok := archs["any"]; ok {
			name = pc.baseName
		}
		if ext != "" {
			name += "_" + ext
		}
		if n, _ := keys.v[attrPackageName].(string); n != "" {
			name = n
		}
		version := pc.version
		if v, _ := keys.v[attrPackageVersion].(string); v != "" {
			version = v
		}
		typ := packageType(ext)
		pkg := Package{Name: name, Suffix: ext, Type: typ, RawVersion: version}
		secArchs, _ := keys.v[attrSecondaryArchitectures].(archStatus)
		_, anyArch := archs["any"]
		_, onSec := secArchs[secondary]
		_, onTarget := archs[target]
		switch {
		case typ == "source":
			pkg.Architecture = pkginfo.ArchSource
		case anyArch:
			pkg.Architecture = pkginfo.ArchAny
		case secondary != "" && onSec || onTarget:
			pkg.Architecture = tarch
		default:
			return brokenf("package %s-%s cannot be built for architecture %s (in %s)", name, version, target, pc.file)
		}
		pkg.Status = statusOnTarget(keys, target, secondary)
		p.fillPackage(&pkg, keys, rev)
		if declared == 0 {
			first.arch, first.status = pkg.Architecture, pkg.Status
		}
		declared++
		if typ == "source" {
			if !st.CreateSourcePackages || basedOnSourcePackage {
				p.OtherPackages = append(p.OtherPackages, pkg)
				continue
			}
			haveSource = true
		}
		if buildable(pkg.Status, st) {
			p.Packages = append(p.Packages, pkg)
		} else {
			p.OtherPackages = append(p.OtherPackages, pkg)
		}
	}
	if declared == 0 {
		return brokenf("recipe %s doesn't define any package", pc.file)
	}
	disabled, _ := base.v[attrDisableSourcePackage].(bool)
	if !pc.meta && !haveSource && !disabled && !basedOnSourcePackage && st.CreateSourcePackages {
		name := pc.name + "_source"
		var keys attrValues
		keys.v[attrArchitectures] = base.v[attrArchitectures]
		keys.v[attrProvides] = []string{name + " = " + pc.version}
		keys.v[attrSummary] = p.Summary + summarySuffix["source"]
		keys.v[attrDescription] = base.v[attrDescription]
		pkg := Package{Name: name, Suffix: "source", Type: "source", RawVersion: pc.version,
			Architecture: pkginfo.ArchSource}
		pkg.Status = statusOnTarget(&keys, target, secondary)
		p.fillPackage(&pkg, &keys, rev)
		p.Packages = append(p.Packages, pkg)
	}

	if first.arch == pkginfo.ArchAny && secondary != "" {
		p.Status = StatusUnsupported
	} else {
		p.Status = first.status
	}
	p.Buildable = buildable(p.Status, st)
	return nil
}

// fillPackage sets a package's descriptive fields and provides/requires.
func (p *Port) fillPackage(pkg *Package, keys *attrValues, rev int) {
	pkg.Summary, _ = keys.v[attrSummary].(string)
	pkg.Description = strings.Join(stringList(keys.v[attrDescription]), "\n")
	if v, err := pkginfo.ParseVersion(pkg.RawVersion + "-" + strconv.Itoa(rev)); err == nil {
		pkg.Version = v
	} else {
		p.Warnings = append(p.Warnings, "package "+pkg.Name+": "+err.Error())
	}
	pkg.RawProvides = nonNil(slices.Clone(stringList(keys.v[attrProvides])))
	pkg.RawRequires = cleanRequires(stringList(keys.v[attrRequires]))
	pkg.Provides = make([]pkginfo.Resolvable, 0, len(pkg.RawProvides))
	for _, s := range pkg.RawProvides {
		r, err := pkginfo.ParseResolvable(s)
		if err != nil {
			p.Warnings = append(p.Warnings, "package "+pkg.Name+": provides: "+err.Error())
			continue
		}
		pkg.Provides = append(pkg.Provides, r)
	}
	pkg.Requires = p.parseExpressions(pkg.RawRequires)
	pkg.Supplements = p.parseExpressions(cleanRequires(stringList(keys.v[attrSupplements])))
	pkg.Conflicts = p.parseExpressions(cleanRequires(stringList(keys.v[attrConflicts])))
	pkg.Freshens = p.parseExpressions(cleanRequires(stringList(keys.v[attrFreshens])))
	pkg.Replaces = stringList(keys.v[attrReplaces])
}

func (p *Port) parseExpressions(l []string) []pkginfo.Expression {
	out := make([]pkginfo.Expression, 0, len(l))
	for _, s := range l {
		e, err := pkginfo.ParseExpression(s)
		if err != nil {
			p.Warnings = append(p.Warnings, err.Error())
			continue
		}
		out = append(out, e)
	}
	return out
}
