package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRepoRollbackCmd() *cobra.Command {
	var (
		sf     storeFlags
		sig    signerFlags
		reason string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "rollback SNAPSHOT",
		Short: "Make an earlier snapshot's content current again",
		Long: `Publishes the content of SNAPSHOT (an id, or head~N) as a new snapshot and
moves the head to it; history is never rewritten, so a rollback can itself
be rolled back. Packages of SNAPSHOT that prune moved to .obsolete/ are
restored. Only snapshots still stored (see "kiln repo snapshots") can be
rolled back to.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			s, err := sig.signer()
			if err != nil {
				return err
			}
			res, err := r.Rollback(cmd.Context(), args[0], s, reason)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: rolled back to %s as snapshot %s (%d packages, %d added, %d removed)\n",
				r.Target(), args[0], res.Snapshot, res.Packages, len(res.Added), len(res.Removed))
			return nil
		},
	}
	sf.add(cmd)
	sig.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "reason recorded in the snapshot")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
