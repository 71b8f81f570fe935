package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/ports"
)

func newPortsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ports",
		Short: "Evaluate a whole HaikuPorts tree: active versions, skipped versions",
	}
	cmd.AddCommand(newPortsListCmd(), newPortsShowCmd())
	return cmd
}

// treeFlags say which tree to evaluate and how.
type treeFlags struct {
	evalFlags
	tree     string
	cacheDir string
	workers  int
}

func (f *treeFlags) add(cmd *cobra.Command) {
	f.evalFlags.add(cmd, "secondary architecture of the repository (repeatable); its ports are named <port>_<arch>")
	fl := cmd.Flags()
	fl.StringVar(&f.tree, "tree", "", "HaikuPorts tree (the folder holding the category folders)")
	fl.StringVar(&f.cacheDir, "cache", "", "keep evaluation results in this folder; a warm run evaluates only changed recipes")
	fl.IntVar(&f.workers, "workers", 0, "recipes evaluated at once (default: the number of CPUs)")
}

func (f *treeFlags) load(cmd *cobra.Command) (*ports.Tree, error) {
	if f.tree == "" {
		return nil, usagef(cmd, "--tree is required")
	}
	if _, err := os.Stat(f.tree); err != nil {
		return nil, fmt.Errorf("--tree: %w", err)
	}
	st, err := f.settings()
	if err != nil {
		return nil, err
	}
	target, err := f.target(false)
	if err != nil {
		return nil, err
	}
	log := newLogger(cmd)
	t, err := ports.Load(cmd.Context(), f.tree, target, ports.Options{
		Settings: st, Workers: f.workers, CacheDir: f.cacheDir, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	log.Debug("tree evaluated", "recipes", t.Stats.Recipes, "evaluated", t.Stats.Evaluated, "cached", t.Stats.Cached)
	return t, nil
}

func newPortsListCmd() *cobra.Command {
	var (
		f       treeFlags
		skipped bool
	)
	cmd := &cobra.Command{
		Use:   "list --tree DIR",
		Short: "List the active version of every port on the target",
		Long: `Evaluates every recipe of the tree for the target (newest version of each port
first, until one is neither broken nor unbuildable, as HaikuPorter's repository
update does) and lists the active port versions: name, version, revision,
category and packages. With --skipped it lists the skipped versions with the
reason instead. --json prints one object per package of the active ports,
with exactly the fields of HaikuPorter's DependencyInfo (name, version,
architecture, provides, requires, buildRequires, buildPrerequires,
testRequires) plus "port" (name-version), then the skipped versions with
their reason, and counts. "kiln ports show --json" gives a port's full
evaluation.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := f.load(cmd)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				return printJSON(cmd, newPortsListJSON(t))
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if skipped {
				fmt.Fprintf(tw, "PORT\tSTATUS\tREASON\n")
				for _, s := range t.Skipped {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, s.Status, s.Reason)
				}
				return tw.Flush()
			}
			fmt.Fprintf(tw, "NAME\tVERSION\tCATEGORY\tPACKAGES\n")
			for _, p := range t.Active {
				fmt.Fprintf(tw, "%s\t%s-%d\t%s\t%d\n", p.Name, p.Version, p.Revision, p.Category, len(p.Packages))
			}
			return tw.Flush()
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&skipped, "skipped", false, "list the skipped versions and why")
	return cmd
}
