package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
)

func newPortsShowCmd() *cobra.Command {
	var f treeFlags
	cmd := &cobra.Command{
		Use:   "show PORT --tree DIR",
		Short: "Show a port's active version (or a given version) and its skipped versions",
		Long: `Evaluates the tree and shows the port PORT (a port name, <port>_<arch> for a
secondary architecture, or name-version for one specific version): its status,
packages, provides, requires and build requirements, and the versions that were
skipped and why. Exits with status 1 when the port has no active version.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := f.load(cmd)
			if err != nil {
				return err
			}
			p, skipped, err := findPort(cmd, t, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				return printJSON(cmd, struct {
					Port    *recipe.Port `json:"port"`
					Skipped []ports.Skip `json:"skipped"`
				}{p, skipped})
			}
			if p != nil {
				printPort(out, p)
			}
			for _, s := range skipped {
				fmt.Fprintf(out, "skipped %s: %s\n", s.ID, s.Reason)
			}
			if p == nil {
				return &errExitCode{1, fmt.Errorf("%s has no active version on %s", args[0], t.Target.Arch)}
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

// findPort returns the named port's active version, or for name-version
// that version (evaluated on its own), and its skipped versions.
func findPort(cmd *cobra.Command, t *ports.Tree, arg string) (*recipe.Port, []ports.Skip, error) {
	var skipped []ports.Skip
	for _, s := range t.Skipped {
		if s.Name == arg || s.ID == arg {
			skipped = append(skipped, s)
		}
	}
	if p := t.Port(arg); p != nil {
		return p, skipped, nil
	}
	if i := strings.LastIndexByte(arg, '-'); i > 0 {
		p, err := t.Version(cmd.Context(), arg[:i], arg[i+1:])
		if err == nil {
			return p, skipped, nil
		}
		if !errors.Is(err, ports.ErrNoPort) {
			return nil, nil, err
		}
	}
	if len(skipped) > 0 {
		return nil, skipped, nil
	}
	return nil, nil, fmt.Errorf("no port %s in %s", arg, t.Root)
}
