package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildrun"
)

func newRunsPruneCmd() *cobra.Command {
	var (
		f       runsFlags
		o       buildrun.RetentionOptions
		dryRun  bool
		asJSON  bool
		keepAge time.Duration
	)
	cmd := &cobra.Command{
		Use:   "prune [--keep N] [--keep-age AGE] [--dry-run]",
		Short: "Delete the records and logs of old build runs",
		Long: `Deletes the records and logs of a target's old build runs from the store. A
run is kept when it is among the --keep newest, younger than --keep-age,
unfinished (the current run, or one waiting to be resumed), or when it
published a snapshot the repository still keeps (so the history of every
retained snapshot stays explainable). --dry-run only says what would go.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.KeepRuns < 1 {
				return usagef(cmd, "--keep %d: keep at least 1 run", o.KeepRuns)
			}
			r, err := f.openRepo(cmd)
			if err != nil {
				return err
			}
			o.KeepAge, o.DryRun = keepAge, dryRun
			if o.KeepAge == 0 {
				o.KeepAge = -1 // 0 on the command line: no run is kept for its age
			}
			res, err := buildrun.PruneRuns(cmd.Context(), r.Store(), r, o)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			verb := "deleted"
			if dryRun {
				verb = "would delete"
			}
			for _, id := range res.Deleted {
				fmt.Fprintf(cmd.OutOrStdout(), "%s run %s\n", verb, id)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %d %s (%d %s), kept %d\n", verb, len(res.Deleted), plural(len(res.Deleted), "run", "runs"),
				res.Objects, plural(res.Objects, "object", "objects"), len(res.Kept))
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.IntVar(&o.KeepRuns, "keep", 50, "keep the newest N runs")
	durationVar(fl, &keepAge, "keep-age", 30*24*time.Hour, "also keep runs started more recently than this")
	fl.BoolVar(&dryRun, "dry-run", false, "say what would be deleted, delete nothing")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
