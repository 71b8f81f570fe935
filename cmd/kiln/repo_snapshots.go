package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newRepoSnapshotsCmd() *cobra.Command {
	var (
		sf     storeFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List a target's stored snapshots, newest first",
		Long: `Lists every stored snapshot: id, creation time, number of packages and
reason. "*" marks the head; "?" marks a snapshot that never became head
(left by a publish that failed after writing it; prune removes it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			ss, err := r.Snapshots(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, ss)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, " \tID\tCREATED\tPACKAGES\tREASON\n")
			for _, s := range ss {
				if s.Err != nil {
					fmt.Fprintf(tw, "!\t%s\t\t\tunreadable: %v\n", s.ID, s.Err)
					continue
				}
				mark := " "
				switch {
				case s.Head:
					mark = "*"
				case !s.InHistory:
					mark = "?"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", mark, s.ID, s.Created.Format(time.RFC3339), s.Packages, s.Reason)
			}
			return tw.Flush()
		},
	}
	sf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the snapshots as JSON")
	return cmd
}
