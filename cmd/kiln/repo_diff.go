package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoDiffCmd() *cobra.Command {
	var (
		sf     storeFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "diff A [B]",
		Short: "Show the package changes between two snapshots",
		Long: `Compares two snapshots by package name: "+" added, "-" removed, "~" another
version or file. A and B are snapshot ids, head or head~N; B defaults to head.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			b := "head"
			if len(args) == 2 {
				b = args[1]
			}
			ma, err := r.ResolveSnapshot(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			mb, err := r.ResolveSnapshot(cmd.Context(), b)
			if err != nil {
				return err
			}
			d := repo.DiffManifests(ma, mb)
			if asJSON {
				return printJSON(cmd, d)
			}
			out := cmd.OutOrStdout()
			for _, p := range d.Added {
				fmt.Fprintf(out, "+ %s\n", p.File)
			}
			for _, p := range d.Removed {
				fmt.Fprintf(out, "- %s\n", p.File)
			}
			for _, c := range d.Changed {
				fmt.Fprintf(out, "~ %s -> %s\n", c[0].File, c[1].File)
			}
			return nil
		},
	}
	sf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the difference as JSON")
	return cmd
}
