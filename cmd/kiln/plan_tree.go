package main

import (
	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
)

// loadTreePorts evaluates the tree for the target (package ports) and
// returns its active ports plus, for each port without an active version,
// its newest skipped version as a port that provides nothing.
func loadTreePorts(cmd *cobra.Command, tree string, target recipe.Target) ([]*recipe.Port, error) {
	t, err := ports.Load(cmd.Context(), tree, target, ports.Options{Logger: newLogger(cmd)})
	if err != nil {
		return nil, err
	}
	return plan.TreePorts(t.Active, skipsOf(t.Skipped)), nil
}

func skipsOf(l []ports.Skip) []plan.Skipped {
	out := make([]plan.Skipped, len(l))
	for i, s := range l {
		out[i] = plan.Skipped{Name: s.Name, Version: s.Version, Status: s.Status, Reason: s.Reason}
	}
	return out
}

// setRecipePaths fills in the recipe paths of ports read from HaikuPorter's
// repository (which does not record them) from a scan of the tree, so that
// update mode can map changed files to them.
func setRecipePaths(tree string, l []*recipe.Port) error {
	sc, err := ports.Scan(tree)
	if err != nil {
		return err
	}
	for _, p := range l {
		if r := sc.ByID[p.ID()]; r != nil && p.RecipePath == "" {
			p.RecipePath = r.Path
			p.Category = r.Category
		}
	}
	return nil
}
