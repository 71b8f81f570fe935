package plan

import (
	"slices"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Index answers "who provides this?" over the repository's packages, the
// system packages and the packages of ports, keeping only the
// architectures that count for a target: the target's primary
// architecture, any and source (as HaikuPorter's ProvidesManager does;
// secondary-architecture packages carry the primary architecture).
//
// Providers of one name are kept in order of origin (repository, system,
// port) and, within an origin, in the order they were added. An Index is
// not safe for concurrent modification; concurrent lookups are fine.
type Index struct {
	arch   pkginfo.Architecture
	byName map[string][]entry
	all    []*Provider
}

type entry struct {
	res pkginfo.Resolvable
	p   *Provider
}

// NewIndex returns an empty index for the primary architecture arch.
func NewIndex(arch pkginfo.Architecture) *Index {
	return &Index{arch: arch, byName: make(map[string][]entry)}
}

// Counts reports whether a package of architecture a counts for the index's target.
func (ix *Index) Counts(a pkginfo.Architecture) bool {
	return a == ix.arch || a == pkginfo.ArchAny || a == pkginfo.ArchSource
}

// AddPackage adds an existing package (origin OriginRepository or
// OriginSystem). It returns nil, and adds nothing, when the package's
// architecture does not count.
func (ix *Index) AddPackage(origin Origin, info *pkginfo.PackageInfo) *Provider {
	if !ix.Counts(info.Architecture) {
		return nil
	}
	return ix.add(&Provider{Origin: origin, Info: info})
}

// AddPort adds the packages of a port whose architecture counts and
// returns their providers.
func (ix *Index) AddPort(port *recipe.Port) []*Provider {
	var out []*Provider
	for i := range port.Packages {
		pk := &port.Packages[i]
		if !ix.Counts(pk.Architecture) {
			continue
		}
		out = append(out, ix.add(&Provider{Origin: OriginPort, Port: port, Package: pk}))
	}
	return out
}

func (ix *Index) add(p *Provider) *Provider {
	ix.all = append(ix.all, p)
	for _, r := range p.Provides() {
		l := ix.byName[r.Name]
		// Insert after the last entry of the same or a better origin.
		i := len(l)
		for i > 0 && l[i-1].p.Origin > p.Origin {
			i--
		}
		ix.byName[r.Name] = slices.Insert(l, i, entry{res: r, p: p})
	}
	return p
}

// Providers returns every provider added, in the order added.
func (ix *Index) Providers() []*Provider { return ix.all }

// Names returns how many distinct resolvable names are indexed.
func (ix *Index) Names() int { return len(ix.byName) }

// Candidates returns the providers satisfying e under rule, best first,
// each once. A requirement marked base accepts no existing package file
// (HaikuPorter's rule for base requirements).
func (ix *Index) Candidates(e pkginfo.Expression, rule Rule) []*Provider {
	var out []*Provider
	for _, en := range ix.byName[e.Name] {
		if e.Base && en.p.IsFile() {
			continue
		}
		if !rule.Matches(e, en.res) {
			continue
		}
		if len(out) > 0 && slices.Contains(out, en.p) {
			continue
		}
		out = append(out, en.p)
	}
	return out
}

// First returns the best provider satisfying e under rule, or nil.
func (ix *Index) First(e pkginfo.Expression, rule Rule) *Provider {
	for _, en := range ix.byName[e.Name] {
		if e.Base && en.p.IsFile() {
			continue
		}
		if rule.Matches(e, en.res) {
			return en.p
		}
	}
	return nil
}

// Named returns every provider of the resolvable name, best first, each once.
func (ix *Index) Named(name string) []*Provider {
	var out []*Provider
	for _, en := range ix.byName[name] {
		if !slices.Contains(out, en.p) {
			out = append(out, en.p)
		}
	}
	return out
}
