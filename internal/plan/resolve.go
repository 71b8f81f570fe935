package plan

import (
	"slices"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// resolver resolves requirements to providers with HaikuPorter's rule and
// its fallback: when a provider's own REQUIRES cannot be satisfied
// (transitively), HaikuPorter drops it and restarts, so the next matching
// provider is tried. Results are memoised per provider.
//
// Requirement cycles among runtime REQUIRES are fine (the packages are
// installed together): a provider whose closure is being computed counts
// as satisfiable.
type resolver struct {
	index *Index
	memo  map[*Provider]*closure
	// hint, when set, explains a requirement no provider matches (for
	// example: only a broken port would provide it).
	hint func(pkginfo.Expression) string

	// Scratch space of resolvePort.
	seen     map[*Provider]bool
	stack    []*Provider
	stackReq []string
}

type closure struct {
	busy    bool
	missing *Missing    // nil when satisfiable
	deps    []*Provider // the chosen provider of each requirement
}

func newResolver(ix *Index) *resolver {
	return &resolver{index: ix, memo: make(map[*Provider]*closure)}
}

// choose returns the provider of e, or the reason there is none. of and
// kind describe who requires e, for the report.
func (r *resolver) choose(e pkginfo.Expression, kind, of string) (*Provider, *Missing) {
	cands := r.index.Candidates(e, RuleHaikuPorter)
	if len(cands) == 0 {
		m := &Missing{Requirement: e.String(), Kind: kind, Of: of}
		if r.hint != nil {
			m.Hint = r.hint(e)
		}
		return nil, m
	}
	var first *Missing
	for _, c := range cands {
		m := r.closureOf(c)
		if m == nil {
			return c, nil
		}
		if first == nil {
			first = m
		}
	}
	// Every candidate fails; explain with the first (best) one.
	out := *first
	out.Via = append([]string{e.String() + " -> " + cands[0].String()}, first.Via...)
	return nil, &out
}

// closureOf makes sure every runtime requirement of p can be satisfied,
// transitively, and returns the first one that cannot.
func (r *resolver) closureOf(p *Provider) *Missing {
	if c, ok := r.memo[p]; ok {
		if c.busy {
			return nil
		}
		return c.missing
	}
	c := &closure{busy: true}
	r.memo[p] = c
	for _, e := range p.Requires() {
		// A package's own "base" marks its base package (Haiku's
		// base-package field), not a constraint on the provider's origin.
		e.Base = false
		d, m := r.choose(e, "requires", p.FileName())
		if m != nil {
			c.missing = m
			c.deps = nil
			break
		}
		c.deps = append(c.deps, d)
	}
	c.busy = false
	return c.missing
}

// buildRequirements calls fn for each build-time requirement of a port,
// with its kind.
func buildRequirements(p *recipe.Port, scriptlet []pkginfo.Expression, fn func(e pkginfo.Expression, kind string)) {
	for _, e := range p.BuildRequires {
		fn(e, "build-requires")
	}
	for _, e := range p.BuildPrerequires {
		fn(e, "build-prerequires")
	}
	for _, e := range scriptlet {
		fn(e, "scriptlet-prerequires")
	}
}

// portDeps is what building a port needs.
type portDeps struct {
	missing []Missing
	// ports maps each port to build first to the first requirement that
	// pulled it in.
	ports map[*recipe.Port]string
	// uses are the existing package files used, sorted.
	uses []string
}

// resolvePort resolves a port's build requirements and the transitive
// REQUIRES of what satisfies them.
func (r *resolver) resolvePort(p *recipe.Port, scriptlet []pkginfo.Expression) portDeps {
	var d portDeps
	d.ports = make(map[*recipe.Port]string)
	// The traversal state is reused from port to port.
	if r.seen == nil {
		r.seen = make(map[*Provider]bool)
	}
	seen := r.seen
	clear(seen)
	stack, stackReq := r.stack[:0], r.stackReq[:0]
	var uses []*Provider
	id := p.ID()
	buildRequirements(p, scriptlet, func(e pkginfo.Expression, kind string) {
		prov, m := r.choose(e, kind, id)
		if m != nil {
			d.missing = append(d.missing, *m)
			return
		}
		if !seen[prov] {
			seen[prov] = true
			stack = append(stack, prov)
			stackReq = append(stackReq, e.String())
		}
	})
	for len(stack) > 0 {
		n := len(stack) - 1
		prov, req := stack[n], stackReq[n]
		stack, stackReq = stack[:n], stackReq[:n]
		if prov.Port != nil {
			if _, ok := d.ports[prov.Port]; !ok {
				d.ports[prov.Port] = req
			}
		} else {
			uses = append(uses, prov)
		}
		c := r.memo[prov]
		for _, dep := range c.deps {
			if !seen[dep] {
				seen[dep] = true
				stack = append(stack, dep)
				stackReq = append(stackReq, req)
			}
		}
	}
	r.stack, r.stackReq = stack, stackReq
	// Each provider is visited once (seen), so uses has no duplicates.
	for _, u := range uses {
		d.uses = append(d.uses, u.FileName())
	}
	slices.Sort(d.uses)
	return d
}
