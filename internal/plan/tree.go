package plan

import (
	"slices"

	"github.com/haikuports/kiln/internal/recipe"
)

// Skipped is a port version that is not active: broken, or not buildable
// on the target (as package ports reports them).
type Skipped struct {
	Name, Version string
	Status        recipe.Status
	Reason        string
}

// TreePorts returns the ports to plan with: the active ports, plus, for
// each port name without an active version, its newest skipped version as
// a port without packages whose state explains why (broken with the
// recipe error, unsupported, untested). Skipped versions of ports that
// have an active version are left out: they are not what the tree builds.
func TreePorts(active []*recipe.Port, skipped []Skipped) []*recipe.Port {
	out := slices.Clone(active)
	has := make(map[string]bool, len(active))
	for _, p := range active {
		has[p.Name] = true
	}
	newest := make(map[string]Skipped)
	for _, s := range skipped {
		if has[s.Name] {
			continue
		}
		if old, ok := newest[s.Name]; !ok || recipe.CompareVersions(s.Version, old.Version) > 0 {
			newest[s.Name] = s
		}
	}
	names := make([]string, 0, len(newest))
	for n := range newest {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := newest[n]
		p := &recipe.Port{Name: s.Name, BaseName: s.Name, Version: s.Version, Status: s.Status}
		if s.Status != recipe.StatusUntested && s.Status != recipe.StatusUnsupported {
			// A broken recipe, or a version marked broken (!arch).
			p.Status = recipe.StatusBroken
			p.Error = firstLine(s.Reason)
			if p.Error == "" {
				p.Error = "broken"
			}
		}
		out = append(out, p)
	}
	return out
}
