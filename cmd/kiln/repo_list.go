package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newRepoListCmd() *cobra.Command {
	var (
		sf       storeFlags
		snapshot string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "list [--snapshot ID]",
		Short: "List the packages of a target's current (or another) snapshot",
		Long: `Prints a header and one line per package of the head snapshot (or --snapshot ID, which
also accepts "head~N"): file name, size and SHA-256. --json prints the
whole manifest (repository info, every package's info and origin).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			m, err := r.ResolveSnapshot(cmd.Context(), snapshot)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, m)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "FILE\tSIZE\tSHA256\n")
			for _, p := range m.Packages {
				fmt.Fprintf(tw, "%s\t%d\t%s\n", p.File, p.Size, p.SHA256)
			}
			return tw.Flush()
		},
	}
	sf.add(cmd)
	cmd.Flags().StringVar(&snapshot, "snapshot", "head", "snapshot id, head or head~N")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}
