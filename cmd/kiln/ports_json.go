package main

import (
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
)

// portsListJSON is what "kiln ports list --json" prints: one object per
// package of the active ports, with exactly the fields of HaikuPorter's
// DependencyInfo plus the port (name-version) it comes from, and the
// skipped port versions with their reason.
type portsListJSON struct {
	Target   recipe.Target `json:"target"`
	Packages []packageJSON `json:"packages"`
	Skipped  []ports.Skip  `json:"skipped"`
	Stats    ports.Stats   `json:"stats"`
}

type packageJSON struct {
	recipe.DependencyInfo
	Port string `json:"port"`
}

func newPortsListJSON(t *ports.Tree) portsListJSON {
	out := portsListJSON{
		Target:   t.Target,
		Packages: []packageJSON{},
		Skipped:  t.Skipped,
		Stats:    t.Stats,
	}
	if out.Skipped == nil {
		out.Skipped = []ports.Skip{}
	}
	for _, p := range t.Active {
		for i := range p.Packages {
			out.Packages = append(out.Packages, packageJSON{DependencyInfo: p.DependencyInfo(&p.Packages[i]), Port: p.ID()})
		}
	}
	return out
}
