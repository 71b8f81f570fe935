// Package recipe evaluates HaikuPorts recipes in-process, in a sandbox (no
// external command, no file access outside the port directory, a time and
// memory bound), into a port description: what a port version provides,
// requires and builds on one target, as HaikuPorter computes it.
package recipe

import "github.com/haikuports/kiln/internal/pkginfo"

// Status is a port's or package's status on an architecture, from ARCHITECTURES.
type Status string

// Statuses, as HaikuPorter names them.
const (
	StatusStable      Status = "stable"
	StatusUntested    Status = "untested"
	StatusBroken      Status = "broken"
	StatusUnsupported Status = "unsupported"
)

// Target is what a recipe is evaluated for: the primary architecture and,
// optionally, the secondary architectures of the repository (x86_gcc2 + x86).
type Target struct {
	Arch      pkginfo.Architecture   `json:"arch"`
	Secondary []pkginfo.Architecture `json:"secondary,omitempty"`
	// ForSecondary, when not zero, evaluates the recipe for that secondary
	// architecture (packages named <port>_<arch>, secondaryArchSuffix set).
	ForSecondary pkginfo.Architecture `json:"forSecondary,omitempty"`
}

// Package is one package a port produces on a target.
type Package struct {
	// Name is the final package name ("zlib", "zlib_devel", "zlib_x86_devel").
	Name string `json:"name"`
	// Suffix is the recipe key extension the package comes from ("" for the base package).
	Suffix string `json:"suffix,omitempty"`
	// Type is "general", "debuginfo", "devel", "doc" or "source".
	Type string `json:"type"`
	// Architecture is the package's architecture: the target's, any or source.
	Architecture pkginfo.Architecture `json:"architecture"`
	// Version is the port's version with the recipe's REVISION.
	Version     pkginfo.Version      `json:"version"`
	Status      Status               `json:"status"`
	Summary     string               `json:"summary"`
	Description string               `json:"description,omitempty"`
	Provides    []pkginfo.Resolvable `json:"provides"`
	Requires    []pkginfo.Expression `json:"requires"`
	Supplements []pkginfo.Expression `json:"supplements,omitempty"`
	Conflicts   []pkginfo.Expression `json:"conflicts,omitempty"`
	Freshens    []pkginfo.Expression `json:"freshens,omitempty"`
	Replaces    []string             `json:"replaces,omitempty"`

	// RawVersion is the package's version without revision as the recipe
	// spells it (PACKAGE_VERSION or the port's version).
	RawVersion string `json:"rawVersion"`
	// RawProvides and RawRequires are PROVIDES and REQUIRES as HaikuPorter
	// writes them into DependencyInfo files (lower-cased lines; requires
	// without comments and duplicates). Provides/Requires hold the entries
	// of these that parse.
	RawProvides []string `json:"rawProvides"`
	RawRequires []string `json:"rawRequires"`
}

// FileName is the package's canonical .hpkg file name.
func (p *Package) FileName() string {
	pi := pkginfo.PackageInfo{Name: p.Name, Version: p.Version, Architecture: p.Architecture}
	return pi.CanonicalFileName()
}

// Port is one evaluated port version on one target.
type Port struct {
	Name     string `json:"name"`     // port name, e.g. "zlib"
	Version  string `json:"version"`  // the recipe's version, e.g. "1.3.2"
	Revision uint32 `json:"revision"` // REVISION
	Category string `json:"category"` // e.g. "sys-libs"
	// RecipePath is the recipe's path relative to the tree root.
	RecipePath string `json:"recipePath"`
	Target     Target `json:"target"`
	// Status is the port's status on the target (its first package's).
	Status           Status               `json:"status"`
	Homepage         []string             `json:"homepage,omitempty"`
	Message          string               `json:"message,omitempty"`
	Summary          string               `json:"summary,omitempty"`
	BuildRequires    []pkginfo.Expression `json:"buildRequires"`
	BuildPrerequires []pkginfo.Expression `json:"buildPrerequires"`
	TestRequires     []pkginfo.Expression `json:"testRequires"`
	Packages         []Package            `json:"packages"`
	// Error is set, and the port broken, when the recipe failed to
	// evaluate or validate; it says why in one line.
	Error string `json:"error,omitempty"`
	// TimedOut is set when the evaluation was stopped by the time limit
	// (Settings.Timeout): the port is broken on this run, but a faster or
	// less loaded run may succeed, so caches must not keep the result.
	TimedOut bool `json:"timedOut,omitempty"`

	// BaseName is the port name without a secondary architecture suffix
	// (equal to Name on the primary architecture).
	BaseName string `json:"baseName"`
	// Buildable reports whether the port is built on the target: it is not
	// broken and its status is stable (or untested with AllowUntested).
	Buildable bool `json:"buildable"`
	// OtherPackages are the packages the recipe declares that are not
	// built on this target (a different status, or a declared _source
	// package while source packages are off).
	OtherPackages []Package `json:"otherPackages,omitempty"`
	// RawBuildRequires, RawBuildPrerequires and RawTestRequires are the
	// port's requirements as HaikuPorter writes them into DependencyInfo
	// files; the typed fields hold the entries of these that parse.
	RawBuildRequires    []string `json:"rawBuildRequires"`
	RawBuildPrerequires []string `json:"rawBuildPrerequires"`
	RawTestRequires     []string `json:"rawTestRequires"`
	// DefinedPhases are the recipe functions among PATCH, BUILD, TEST and
	// INSTALL that the recipe defines.
	DefinedPhases []string `json:"definedPhases,omitempty"`
	// Patches, AdditionalFiles and Licenses are the port-directory files
	// the recipe refers to, relative to the port directory
	// ("patches/x.patchset", "additional-files/x.rdef", "licenses/X" for
	// every LICENSE entry, as HaikuPorter maps changed files to ports).
	Patches         []string `json:"patches,omitempty"`
	AdditionalFiles []string `json:"additionalFiles,omitempty"`
	Licenses        []string `json:"licenses,omitempty"`
	// SourceURIs are the first URI of each source, in source order.
	SourceURIs []string `json:"sourceURIs,omitempty"`
	// Warnings are problems HaikuPorter only warns about (ignored keys,
	// provides or requires that do not parse).
	Warnings []string `json:"warnings,omitempty"`
}

// ID is "name-version", HaikuPorter's port id.
func (p *Port) ID() string { return p.Name + "-" + p.Version }

// Normalize replaces nil lists by empty ones, as Evaluate returns them
// (decoders such as encoding/gob drop the difference).
func (p *Port) Normalize() {
	p.BuildRequires = nonNilSlice(p.BuildRequires)
	p.BuildPrerequires = nonNilSlice(p.BuildPrerequires)
	p.TestRequires = nonNilSlice(p.TestRequires)
	p.Packages = nonNilSlice(p.Packages)
	p.RawBuildRequires = nonNilSlice(p.RawBuildRequires)
	p.RawBuildPrerequires = nonNilSlice(p.RawBuildPrerequires)
	p.RawTestRequires = nonNilSlice(p.RawTestRequires)
	for _, l := range [][]Package{p.Packages, p.OtherPackages} {
		for i := range l {
			l[i].Provides = nonNilSlice(l[i].Provides)
			l[i].Requires = nonNilSlice(l[i].Requires)
			l[i].RawProvides = nonNilSlice(l[i].RawProvides)
			l[i].RawRequires = nonNilSlice(l[i].RawRequires)
		}
	}
}

func nonNilSlice[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
