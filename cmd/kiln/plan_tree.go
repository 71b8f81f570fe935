package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
)

// loadTreePorts evaluates the tree for the target (package ports) and
// returns its active ports plus, for each port without an active version,
// its newest skipped version as a port that provides nothing.
func loadTreePorts(cmd *cobra.Command, s *planSource, target recipe.Target) ([]*recipe.Port, error) {
	settings := recipe.DefaultSettings()
	settings.AllowUntested = s.allowUntested
	if s.licenses != "" {
		l, err := readLicenses(s.licenses)
		if err != nil {
			return nil, fmt.Errorf("--licenses: %w", err)
		}
		settings.KnownLicenses = l
	}
	t, err := ports.Load(cmd.Context(), s.tree, target, ports.Options{Settings: &settings, Logger: newLogger(cmd), CacheDir: s.cacheDir})
	if err != nil {
		return nil, err
	}
	s.mapFiles = func(ctx context.Context, files []string) ([]string, error) {
		return activePortsForFiles(ctx, t, files)
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

// activePortsForFiles maps changed files to the active ports that reference
// them (HaikuPorter's --ports-for-files --active-versions-only).
func activePortsForFiles(ctx context.Context, t *ports.Tree, files []string) ([]string, error) {
	refs, err := t.PortsForFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	active := make(map[string]bool, len(t.Active))
	for _, p := range t.Active {
		active[p.ID()] = true
	}
	var ids []string
	for _, r := range refs {
		if !r.Removed && active[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
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
