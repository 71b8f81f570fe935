package plan

import (
	"slices"

	"github.com/haikuports/kiln/internal/recipe"
)

// State is what becomes of a port in a plan.
type State string

// Port states.
const (
	// StateUpToDate: every output package is already in the repository.
	StateUpToDate State = "up-to-date"
	// StateBuild: the port is built in this run.
	StateBuild State = "build"
	// StateBlocked: the port cannot be built: a requirement nothing
	// provides (Missing) or a dependency that is not built (BlockedBy).
	StateBlocked State = "blocked"
	// StateCycle: the port is part of a dependency cycle (Cycle) of ports
	// that all still need building.
	StateCycle State = "cycle"
	// StateBroken: the recipe failed to evaluate or validate, or it marks
	// the architecture broken.
	StateBroken State = "broken"
	// StateUnsupported: the recipe does not list the architecture.
	StateUnsupported State = "unsupported"
	// StateUntested: the recipe marks the architecture untested and
	// untested ports are not allowed.
	StateUntested State = "untested"
	// StateBumpRequired: some but not all output packages are already
	// published; building would replace published files, so HaikuPorter
	// refuses ("revision bump required").
	StateBumpRequired State = "revision-bump-required"
)

// Missing is a requirement nothing satisfies.
type Missing struct {
	// Requirement is the unsatisfiable requirement ("devel:libfoo >= 2").
	Requirement string `json:"requirement"`
	// Kind is "build-requires", "build-prerequires", "scriptlet-prerequires"
	// or "requires".
	Kind string `json:"kind"`
	// Of is who has the requirement: a port id or a package file name.
	Of string `json:"of"`
	// Via is how the port came to need it, outermost first: each step is
	// a requirement and the provider chosen for it ("devel:libfoo ->
	// libfoo_devel-1.0-1-x86_64.hpkg (port libfoo-1.0)").
	Via []string `json:"via,omitempty"`
	// Hint names a port that would provide the requirement but is not
	// built on this target, and why.
	Hint string `json:"hint,omitempty"`
}

// String formats m in one line.
func (m Missing) String() string {
	s := m.Requirement + " (" + m.Kind + " of " + m.Of + ")"
	for i := len(m.Via) - 1; i >= 0; i-- {
		s += " <- " + m.Via[i]
	}
	if m.Hint != "" {
		s += "; " + m.Hint
	}
	return s
}

// Need records that a port is needed by another port, and for what.
type Need struct {
	Port        string `json:"port"`        // the port that needs it (id)
	Requirement string `json:"requirement"` // the requirement it satisfies (first found)
}

// PortPlan is the planner's verdict on one port.
type PortPlan struct {
	ID      string `json:"port"` // name-version
	Name    string `json:"name"`
	Version string `json:"version"`
	State   State  `json:"state"`
	// Reason says why, in one line.
	Reason    string `json:"reason"`
	Requested bool   `json:"requested,omitempty"`
	// Outputs are the package files the port produces on the target.
	Outputs []string `json:"outputs,omitempty"`
	// Missing are the requirements nothing satisfies (StateBlocked).
	Missing []Missing `json:"missing,omitempty"`
	// BlockedBy are the dependencies that are not built (StateBlocked).
	BlockedBy []string `json:"blockedBy,omitempty"`
	// Cycle are the members of the port's dependency cycle (StateCycle), sorted.
	Cycle []string `json:"cycle,omitempty"`
	// Needs are the ports that must be built before this one, sorted.
	Needs []string `json:"needs,omitempty"`
	// Uses are the existing package files the build uses, sorted.
	Uses []string `json:"uses,omitempty"`
	// NeededBy are the ports of this plan that need this one.
	NeededBy []Need `json:"neededBy,omitempty"`

	port *recipe.Port
}

// Port returns the evaluated port the verdict is about.
func (pp *PortPlan) Port() *recipe.Port { return pp.port }

// Unknown is a requested port spec that names no port.
type Unknown struct {
	Spec   string `json:"spec"`
	Reason string `json:"reason"`
}

// Plan is the result of planning a build run.
type Plan struct {
	Target recipe.Target `json:"target"`
	Mode   Mode          `json:"mode"`
	// Requested are the ports the request itself named (or the changed
	// files mapped to, or whose outputs are missing), as name-version,
	// sorted; dependencies added to build them are not in it.
	Requested []string `json:"requested"`
	// Order is the build order: every port in it comes after all the
	// ports it needs. Ties are broken by port id.
	Order []string `json:"order"`
	// Ports holds the verdict on every port the plan considered
	// (requested or needed), sorted by id.
	Ports []*PortPlan `json:"ports"`
	// Cycles are the dependency cycles found, each sorted, in order.
	Cycles [][]string `json:"cycles,omitempty"`
	// Unknown are request specs that matched no port.
	Unknown []Unknown `json:"unknown,omitempty"`
}

// Port returns the verdict on the port with the given id, or nil.
func (p *Plan) Port(id string) *PortPlan {
	i, ok := slices.BinarySearchFunc(p.Ports, id, func(pp *PortPlan, id string) int {
		switch {
		case pp.ID < id:
			return -1
		case pp.ID > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return p.Ports[i]
}

// InState returns the verdicts with the given state, sorted by id.
func (p *Plan) InState(s State) []*PortPlan {
	var out []*PortPlan
	for _, pp := range p.Ports {
		if pp.State == s {
			out = append(out, pp)
		}
	}
	return out
}
