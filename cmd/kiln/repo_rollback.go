package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoRollbackCmd() *cobra.Command {
	var (
		sf     storeFlags
		sig    signerFlags
		reason string
		asJSON bool
		guard  guardFlags
	)
	cmd := &cobra.Command{
		Use:   "rollback SNAPSHOT [--system-packages DIR|FILE [--allow-regressions]]",
		Short: "Make an earlier snapshot's content current again",
		Long: `Publishes the content of SNAPSHOT (an id, or head~N) as a new snapshot and
moves the head to it; history is never rewritten, so a rollback can itself
be rolled back. Packages of SNAPSHOT that prune moved to .obsolete/ are
restored. Only snapshots still stored (see "kiln repo snapshots") can be
rolled back to.

When the head already has SNAPSHOT's content (rolling back to the head, or
twice to the same snapshot), nothing is written: it prints "already at"
and exits 0. A head whose manifest cannot be read does not stop a rollback
to a snapshot id (head~N needs a readable head). --system-packages refuses
a rollback that makes an installable package uninstallable, as for
"kiln repo publish".`,
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
			o := repo.RollbackOptions{Signer: s, Reason: reason}
			if o.Guard, err = guard.guard(cmd, r.Target()); err != nil {
				return err
			}
			res, err := r.Rollback(cmd.Context(), args[0], o)
			if err != nil {
				return guard.explain(err)
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			if res.Unchanged {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: already at %s (head %s); no snapshot made\n", r.Target(), args[0], res.Snapshot)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: rolled back to %s as snapshot %s (%s, %d added, %d removed)\n",
				r.Target(), args[0], res.Snapshot, count(res.Packages, "package"), len(res.Added), len(res.Removed))
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	sig.add(cmd)
	guard.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "reason recorded in the snapshot")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
