package plan

import (
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// CheckInput is what a repository consistency check looks at.
type CheckInput struct {
	// Arch is the repository's primary architecture; only packages of
	// that architecture, any and source count.
	Arch pkginfo.Architecture
	// Repository are the published packages, checked one by one.
	Repository []*pkginfo.PackageInfo
	// System are the system packages; they satisfy requirements but are
	// not themselves reported.
	System []*pkginfo.PackageInfo
	// Ports, when not nil, are the ports of the tree (as for Input.Ports):
	// packages no active port produces any more are reported.
	Ports []*recipe.Port
	// AllowUntested counts ports marked untested as active.
	AllowUntested bool
	// AllSystemArchitectures counts every system package whatever its
	// architecture (for a repository of a hybrid's secondary
	// architecture checked against the primary system packages). By
	// default system packages are filtered like the others, as HaikuPorter
	// does.
	AllSystemArchitectures bool
}

// Unsatisfied is a requirement of a published package that nothing
// satisfies under Haiku's rule.
type Unsatisfied struct {
	Package     string `json:"package"` // file name
	Requirement string `json:"requirement"`
	// HaikuPorterAccepts names the provider HaikuPorter's looser rule
	// would take (a provider without compat version, not exactly equal),
	// when there is one: the requirement is a problem for pkgman, not for
	// the build master.
	HaikuPorterAccepts string `json:"haikuporterAccepts,omitempty"`
}

// Uninstallable is a published package that cannot be installed because a
// requirement, directly or through the packages that satisfy it, cannot be
// satisfied.
type Uninstallable struct {
	Package string `json:"package"`
	// Because is the requirement that fails: directly ("lib:libfoo") or
	// through another package ("lib:libfoo -> foo-1-1-x86.hpkg").
	Because string `json:"because"`
}

// Conflict is a requirement of some package that packages of more than one
// name satisfy: which one is used depends on the solver (pkgman) or on
// file order (HaikuPorter takes the first match), so a build or an install
// can silently get a different package than intended.
type Conflict struct {
	Resolvable string   `json:"resolvable"` // the resolvable name
	Providers  []string `json:"providers"`  // the matching package files, sorted
	// RequiredBy are the packages whose requirements match more than one
	// provider name, sorted.
	RequiredBy []string `json:"requiredBy"`
}

// Duplicate is a package name published in more than one version;
// HaikuPorter's prune would keep only the newest.
type Duplicate struct {
	Name  string   `json:"name"`
	Files []string `json:"files"` // newest first
}

// Obsolete is a published package HaikuPorter's prune would remove.
type Obsolete struct {
	Package string `json:"package"`
	Reason  string `json:"reason"`
}

// Report is the result of a consistency check.
type Report struct {
	Arch          pkginfo.Architecture `json:"arch"`
	Packages      int                  `json:"packages"` // repository packages checked
	System        int                  `json:"systemPackages"`
	Unsatisfied   []Unsatisfied        `json:"unsatisfied"`
	Uninstallable []Uninstallable      `json:"uninstallable"`
	Conflicts     []Conflict           `json:"conflicts"`
	Duplicates    []Duplicate          `json:"duplicates"`
	// SystemUninstallable are system packages whose requirements the
	// repository does not satisfy; they are not counted as problems of
	// the repository but explain the packages that need them.
	SystemUninstallable []Uninstallable `json:"systemUninstallable"`
	// Obsolete is only filled when ports were given.
	Obsolete []Obsolete `json:"obsolete"`
	// Installable are the names of the repository packages of which at
	// least one version can be installed, sorted; see Regressions.
	Installable []string `json:"installable"`
}

// Problems counts the findings that make a repository inconsistent:
// unsatisfied requirements, uninstallable packages and obsolete packages.
// Conflicts and duplicates are reported but are not problems by themselves.
func (r *Report) Problems() int {
	return len(r.Unsatisfied) + len(r.Uninstallable) + len(r.Obsolete)
}

// Regression is a package that could be installed from an earlier
// repository and cannot be from a later one.
type Regression struct {
	Name string `json:"name"`
	Now  string `json:"now"` // "removed", or why it cannot be installed
}

// Regressions lists the package names installable in before that are not
// installable in r (removed, or all their versions uninstallable): what a
// publish must refuse unless told otherwise.
func (r *Report) Regressions(before *Report) []Regression {
	why := make(map[string]string)
	present := make(map[string]bool)
	for _, u := range r.Uninstallable {
		n := nameOfFile(u.Package)
		present[n] = true
		if _, ok := why[n]; !ok {
			why[n] = u.Package + ": " + u.Because
		}
	}
	var out []Regression
	for _, n := range before.Installable {
		if _, ok := slices.BinarySearch(r.Installable, n); ok {
			continue
		}
		if present[n] {
			out = append(out, Regression{Name: n, Now: why[n]})
		} else {
			out = append(out, Regression{Name: n, Now: "removed"})
		}
	}
	return out
}

// nameOfFile returns the package name of a canonical file name
// (name-version-arch.hpkg; names contain no '-').
func nameOfFile(f string) string {
	n, _, _ := strings.Cut(f, "-")
	return n
}

// Check checks the consistency of a repository with the system packages
// (and, given ports, with the tree), as HaikuPorter's
// --check-package-repository-consistency and --prune-package-repository
// do, but with Haiku's matching rule (RuleHaiku): what matters for a
// published repository is whether pkgman can install its packages.
func Check(in CheckInput) *Report {
	ix := NewIndex(in.Arch)
	var repo []*Provider
	for _, p := range in.Repository {
		if pr := ix.AddPackage(OriginRepository, p); pr != nil {
			repo = append(repo, pr)
		}
	}
	nsys := 0
	for _, p := range in.System {
		if in.AllSystemArchitectures {
			ix.add(&Provider{Origin: OriginSystem, Info: p})
			nsys++
		} else if ix.AddPackage(OriginSystem, p) != nil {
			nsys++
		}
	}
	r := &Report{Arch: in.Arch, Packages: len(repo), System: nsys,
		Unsatisfied: []Unsatisfied{}, Uninstallable: []Uninstallable{}, Conflicts: []Conflict{},
		Duplicates: []Duplicate{}, Obsolete: []Obsolete{}, Installable: []string{}, SystemUninstallable: []Uninstallable{}}
	all := ix.Providers()

	// Direct requirements, and who satisfies them.
	type need struct {
		e     pkginfo.Expression
		provs []*Provider
	}
	needs := make(map[*Provider][]need, len(all))
	conflicts := make(map[string]*Conflict)
	for _, p := range all {
		for _, e := range p.Requires() {
			e.Base = false
			provs := ix.Candidates(e, RuleHaiku)
			provs = slices.DeleteFunc(provs, func(q *Provider) bool { return q == p })
			needs[p] = append(needs[p], need{e, provs})
			if len(provs) == 0 && p.Origin == OriginRepository {
				u := Unsatisfied{Package: p.FileName(), Requirement: e.String()}
				if hp := ix.First(e, RuleHaikuPorter); hp != nil {
					u.HaikuPorterAccepts = hp.FileName()
				}
				r.Unsatisfied = append(r.Unsatisfied, u)
			}
			if distinctNames(provs) > 1 {
				c := conflicts[e.Name]
				if c == nil {
					c = &Conflict{Resolvable: e.Name}
					conflicts[e.Name] = c
				}
				for _, q := range provs {
					if !slices.Contains(c.Providers, q.FileName()) {
						c.Providers = append(c.Providers, q.FileName())
					}
				}
				if !slices.Contains(c.RequiredBy, p.FileName()) {
					c.RequiredBy = append(c.RequiredBy, p.FileName())
				}
			}
		}
	}

	// Installability: the greatest set of packages each of whose
	// requirements is satisfied by a package of the set. Start with every
	// package and remove, with a work list, those with a requirement left
	// without a provider (each package and each edge is handled once).
	type ref struct {
		p *Provider
		i int // index into needs[p]
	}
	good := make(map[*Provider][]int, len(all)) // per need: providers still in the set
	users := make(map[*Provider][]ref)
	bad := make(map[*Provider]string)
	var work []*Provider
	markBad := func(p *Provider) {
		if _, ok := bad[p]; !ok {
			bad[p] = ""
			work = append(work, p)
		}
	}
	for _, p := range all {
		good[p] = make([]int, len(needs[p]))
		for i, n := range needs[p] {
			good[p][i] = len(n.provs)
			for _, q := range n.provs {
				users[q] = append(users[q], ref{p, i})
			}
		}
	}
	for _, p := range all {
		for _, n := range needs[p] {
			if len(n.provs) == 0 {
				markBad(p)
				break
			}
		}
	}
	for len(work) > 0 {
		q := work[len(work)-1]
		work = work[:len(work)-1]
		for _, u := range users[q] {
			good[u.p][u.i]--
			if good[u.p][u.i] == 0 {
				markBad(u.p)
			}
		}
	}
	// Explain each with its first requirement (in the package's order)
	// that nothing provides at all, else its first requirement whose
	// providers are all uninstallable.
	for p := range bad {
		for _, n := range needs[p] {
			if len(n.provs) == 0 {
				bad[p] = n.e.String()
				break
			}
		}
		if bad[p] != "" {
			continue
		}
		for i, n := range needs[p] {
			if good[p][i] == 0 {
				bad[p] = n.e.String() + " -> " + n.provs[0].FileName()
				break
			}
		}
	}
	installable := make(map[string]bool)
	for _, p := range repo {
		if why, ok := bad[p]; ok {
			r.Uninstallable = append(r.Uninstallable, Uninstallable{Package: p.FileName(), Because: why})
		} else {
			installable[p.Name()] = true
		}
	}
	for _, p := range all {
		if why, ok := bad[p]; ok && p.Origin == OriginSystem {
			r.SystemUninstallable = append(r.SystemUninstallable, Uninstallable{Package: p.FileName(), Because: why})
		}
	}
	for n := range installable {
		r.Installable = append(r.Installable, n)
	}

	for _, c := range conflicts {
		slices.Sort(c.Providers)
		slices.Sort(c.RequiredBy)
		r.Conflicts = append(r.Conflicts, *c)
	}
	r.Duplicates = duplicates(repo)
	if in.Ports != nil {
		r.Obsolete = obsolete(in, repo)
	}
	sortReport(r)
	return r
}

func distinctNames(provs []*Provider) int {
	if len(provs) < 2 {
		return len(provs)
	}
	n := 1
	for i := 1; i < len(provs); i++ {
		dup := false
		for j := range i {
			if provs[j].Name() == provs[i].Name() {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

func duplicates(repo []*Provider) []Duplicate {
	byName := make(map[string][]*Provider)
	for _, p := range repo {
		byName[p.Name()] = append(byName[p.Name()], p)
	}
	var out []Duplicate
	for n, ps := range byName {
		if len(ps) < 2 {
			continue
		}
		slices.SortFunc(ps, func(a, b *Provider) int { return b.Info.Version.Compare(a.Info.Version) })
		d := Duplicate{Name: n}
		for _, p := range ps {
			d.Files = append(d.Files, p.FileName())
		}
		out = append(out, d)
	}
	return out
}

// obsolete applies HaikuPorter's prune rules: a package is obsolete when no
// active port produces it, when it is newer than what the active port
// produces, or when a newer version of it is published.
func obsolete(in CheckInput, repo []*Provider) []Obsolete {
	produced := make(map[string]*recipe.Package)
	producer := make(map[string]*recipe.Port)
	inactive := make(map[string]*recipe.Port)
	for _, port := range in.Ports {
		active := port.Error == "" && (port.Status == recipe.StatusStable ||
			port.Status == recipe.StatusUntested && in.AllowUntested)
		for i := range port.Packages {
			pk := &port.Packages[i]
			if active {
				produced[pk.Name] = pk
				producer[pk.Name] = port
			} else if _, ok := inactive[pk.Name]; !ok {
				inactive[pk.Name] = port
			}
		}
	}
	newest := make(map[string]pkginfo.Version)
	for _, p := range repo {
		if v, ok := newest[p.Name()]; !ok || p.Info.Version.Compare(v) > 0 {
			newest[p.Name()] = p.Info.Version
		}
	}
	var out []Obsolete
	for _, p := range repo {
		name, v := p.Name(), p.Info.Version
		pk := produced[name]
		switch {
		case pk == nil:
			reason := "no active port produces " + name
			if port := inactive[name]; port != nil {
				reason += " (port " + port.ID() + " is not active: " + inactiveReason(port) + ")"
			}
			out = append(out, Obsolete{Package: p.FileName(), Reason: reason})
		case v.Compare(pk.Version) > 0:
			out = append(out, Obsolete{Package: p.FileName(),
				Reason: "newer than " + pk.Version.String() + ", which the active port " + producer[name].ID() + " produces"})
		case v.Compare(newest[name]) < 0:
			out = append(out, Obsolete{Package: p.FileName(),
				Reason: "a newer version (" + newest[name].String() + ") is published"})
		}
	}
	return out
}

func inactiveReason(p *recipe.Port) string {
	if p.Error != "" {
		return "recipe error: " + firstLine(p.Error)
	}
	return string(p.Status)
}

func sortReport(r *Report) {
	slices.SortFunc(r.Unsatisfied, func(a, b Unsatisfied) int {
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		return strings.Compare(a.Requirement, b.Requirement)
	})
	slices.SortFunc(r.Uninstallable, func(a, b Uninstallable) int { return strings.Compare(a.Package, b.Package) })
	slices.SortFunc(r.SystemUninstallable, func(a, b Uninstallable) int { return strings.Compare(a.Package, b.Package) })
	slices.SortFunc(r.Conflicts, func(a, b Conflict) int { return strings.Compare(a.Resolvable, b.Resolvable) })
	slices.SortFunc(r.Duplicates, func(a, b Duplicate) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(r.Obsolete, func(a, b Obsolete) int { return strings.Compare(a.Package, b.Package) })
	slices.Sort(r.Installable)
}
