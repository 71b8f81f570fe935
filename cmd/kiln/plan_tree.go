package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/daemon"
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
		return daemon.ActivePortsForFiles(ctx, t, files)
	}
	return plan.TreePorts(t.Active, daemon.SkipsOf(t.Skipped)), nil
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
