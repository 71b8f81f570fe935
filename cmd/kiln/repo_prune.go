package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoPruneCmd() *cobra.Command {
	var (
		sf     storeFlags
		o      repo.PruneOptions
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "prune [--dry-run]",
		Short: "Apply retention: drop old snapshots, retire unreferenced packages",
		Long: `Keeps the newest --keep snapshots of the head history and all younger than
--keep-age; deletes the others. A package file leaves current/packages/
(moved to current/packages/.obsolete/) only when no kept snapshot lists it
and --grace has passed since it left the head. Files in .obsolete/ are
deleted after --obsolete-retention. --dry-run only reports.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			// On the command line 0 means none (the library's 0 means default).
			for _, d := range []*time.Duration{&o.KeepAge, &o.Grace} {
				if *d == 0 {
					*d = -1
				}
			}
			if o.ObsoleteRetention == 0 {
				o.ObsoleteRetention = time.Nanosecond
			}
			res, err := r.Prune(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			out := cmd.OutOrStdout()
			verb := ""
			if o.DryRun {
				verb = "would be "
			}
			for _, s := range res.DeletedSnapshots {
				fmt.Fprintf(out, "snapshot %s %sdeleted\n", s, verb)
			}
			for _, f := range res.Obsoleted {
				fmt.Fprintf(out, "%s %smoved to .obsolete/\n", f, verb)
			}
			for _, f := range res.DeletedObsolete {
				fmt.Fprintf(out, ".obsolete/%s %sdeleted\n", f, verb)
			}
			fmt.Fprintf(out, "%s: %d snapshots kept, %d deleted; %d packages retired, %d in their grace period; %d obsolete files deleted\n",
				r.Target(), len(res.KeptSnapshots), len(res.DeletedSnapshots), len(res.Obsoleted), len(res.Pending), len(res.DeletedObsolete))
			return nil
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.DryRun, "dry-run", false, "report what would be done, change nothing")
	f.IntVar(&o.KeepSnapshots, "keep", 10, "snapshots of the head history to keep (head included)")
	f.DurationVar(&o.KeepAge, "keep-age", 7*24*time.Hour, "also keep snapshots younger than this")
	f.DurationVar(&o.Grace, "grace", 24*time.Hour, "time an unreferenced package stays in packages/")
	f.DurationVar(&o.ObsoleteRetention, "obsolete-retention", 30*24*time.Hour, "time a package stays in .obsolete/ (negative: forever)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
