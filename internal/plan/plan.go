package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/recipe"
)

// Mode selects the ports a build run starts from.
type Mode string

// Modes, as the HaikuPorter build master has them.
const (
	// ModePorts builds the ports named in Request.Ports.
	ModePorts Mode = "ports"
	// ModeEverything builds exactly the ports whose outputs are missing
	// from the repository.
	ModeEverything Mode = "everything"
	// ModeUpdate builds the ports the changed files (Request.Files) belong
	// to, plus any named in Request.Ports.
	ModeUpdate Mode = "update"
)

// ParseMode returns the mode called s.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModePorts, ModeEverything, ModeUpdate:
		return m, nil
	}
	return "", fmt.Errorf("%w %q (want update, everything or ports)", ErrUnknownMode, s)
}

// Request says what to plan.
type Request struct {
	Mode Mode
	// Ports are port specs: "name", "name-version", "name-version-revision"
	// or a package name.
	Ports []string
	// Files are changed files, relative to the tree root (ModeUpdate).
	Files []string
}

// Plan plans a build run. It returns an error only for a bad request; every
// problem with a port is part of the plan.
func (pl *Planner) Plan(ctx context.Context, req Request) (*Plan, error) {
	requested, unknown, err := pl.selectPorts(req)
	if err != nil {
		return nil, err
	}
	out := &Plan{Target: pl.in.Target, Mode: req.Mode, Unknown: unknown, Requested: []string{}, Order: []string{}}
	verdicts := make(map[string]*PortPlan)
	deps := make(map[string]portDeps)
	var queue []*recipe.Port
	visit := func(p *recipe.Port) *PortPlan {
		id := p.ID()
		if pp, ok := verdicts[id]; ok {
			return pp
		}
		pp := &PortPlan{ID: id, Name: p.Name, Version: p.Version, port: p, Outputs: pl.outputs(p)}
		verdicts[id] = pp
		queue = append(queue, p)
		return pp
	}
	for _, p := range requested {
		pp := visit(p)
		pp.Requested = true
		out.Requested = append(out.Requested, pp.ID)
	}
	slices.Sort(out.Requested)
	if req.Mode == ModeEverything {
		// Broken ports are reported too (their outputs are missing, but
		// they cannot be built), though nobody requested them.
		for _, id := range pl.ids {
			if st, _ := pl.ownState(pl.byID[id]); st == StateBroken {
				visit(pl.byID[id])
			}
		}
	}

	// Resolve each port and pull in the ports its build needs.
	for i := 0; i < len(queue); i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p := queue[i]
		pp := verdicts[p.ID()]
		pp.State, pp.Reason = pl.ownState(p)
		if pp.State != StateBuild {
			continue
		}
		d := pl.res.resolvePort(p, pl.opt.ScriptletPrerequires)
		deps[pp.ID] = d
		pp.Uses = d.uses
		if len(d.missing) > 0 {
			pp.State = StateBlocked
			pp.Missing = d.missing
			pp.Reason = missingReason(d.missing)
			continue
		}
		// Visit the dependencies in id order, so that the resolver's
		// memo fills in the same order on every run.
		type need struct {
			id string
			p  *recipe.Port
		}
		needs := make([]need, 0, len(d.ports))
		for dp := range d.ports {
			needs = append(needs, need{dp.ID(), dp})
		}
		slices.SortFunc(needs, func(a, b need) int { return strings.Compare(a.id, b.id) })
		for _, n := range needs {
			pp.Needs = append(pp.Needs, n.id)
			dv := visit(n.p)
			dv.NeededBy = append(dv.NeededBy, Need{Port: pp.ID, Requirement: d.ports[n.p]})
		}
	}

	// The graph of ports still to build.
	g := &graph{edges: make(map[string][]string)}
	for id, pp := range verdicts {
		if pp.State == StateBuild {
			g.nodes = append(g.nodes, id)
			g.edges[id] = pp.Needs
		}
	}
	slices.Sort(g.nodes)
	lookup := func(id string) *PortPlan { return verdicts[id] }
	for _, comp := range g.sccs() {
		if len(comp) > 1 || g.hasSelfLoop(comp[0]) {
			out.Cycles = append(out.Cycles, comp)
			for _, id := range comp {
				pp := verdicts[id]
				pp.State = StateCycle
				pp.Cycle = comp
			}
			for _, id := range comp {
				pp := verdicts[id]
				switch {
				case len(comp) == 1:
					pp.Reason = "depends on itself: " + selfReason(pp)
				case len(comp) <= 4:
					pp.Reason = "dependency cycle " + shortestCycle(lookup, pp)
				default:
					pp.Reason = fmt.Sprintf("dependency cycle %s (%d ports in the cycle)", shortestCycle(lookup, pp), len(comp))
				}
			}
			continue
		}
		pp := verdicts[comp[0]]
		for _, dep := range pp.Needs {
			dv := verdicts[dep]
			if dv.State == StateBuild {
				continue
			}
			pp.BlockedBy = append(pp.BlockedBy, dep)
			for _, m := range dv.Missing {
				m.Via = append([]string{"port " + dep}, m.Via...)
				if !slices.ContainsFunc(pp.Missing, func(o Missing) bool {
					return o.Requirement == m.Requirement && o.Of == m.Of
				}) {
					pp.Missing = append(pp.Missing, m)
				}
			}
		}
		if len(pp.BlockedBy) > 0 {
			pp.State = StateBlocked
			dv := verdicts[pp.BlockedBy[0]]
			pp.Reason = "needs " + dv.ID + ", which is not built (" + string(dv.State) + ")"
			if n := len(pp.BlockedBy) - 1; n > 0 {
				pp.Reason += fmt.Sprintf(" and %d more", n)
			}
		}
	}

	keep := make(map[string]bool)
	for id, pp := range verdicts {
		if pp.State == StateBuild {
			keep[id] = true
			if pp.Requested {
				pp.Reason = "requested; outputs not yet published"
			}
		}
	}
	out.Order = g.order(keep)
	for _, pp := range verdicts {
		slices.SortFunc(pp.NeededBy, func(a, b Need) int { return strings.Compare(a.Port, b.Port) })
		if pp.State == StateBuild && !pp.Requested {
			nb := pp.NeededBy[0]
			pp.Reason = "needed by " + nb.Port + " (" + nb.Requirement + ")"
		}
		out.Ports = append(out.Ports, pp)
	}
	slices.SortFunc(out.Ports, func(a, b *PortPlan) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func missingReason(ms []Missing) string {
	m := ms[0]
	s := "nothing provides " + m.Requirement + " (" + m.Kind + " of " + m.Of + ")"
	if len(m.Via) > 0 {
		s += " via " + m.Via[0]
	}
	if len(ms) > 1 {
		s += fmt.Sprintf(" and %d more", len(ms)-1)
	}
	return s
}

func selfReason(pp *PortPlan) string {
	for _, nb := range pp.NeededBy {
		if nb.Port == pp.ID {
			return nb.Requirement + " is only provided by its own packages"
		}
	}
	return "its build requirements are only provided by its own packages"
}
