package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoVerifyCmd() *cobra.Command {
	var (
		sf     storeFlags
		o      repo.VerifyOptions
		asJSON bool
		repair bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--deep]",
		Short: "Check every invariant of a target's repository",
		Long: `Checks that the head and every stored manifest parse; that the head
snapshot's repo.sha256 matches its repo, the repo reads back to the
manifest and package.list matches; that current/ equals the head
snapshot; that every package any stored snapshot lists exists in
current/packages/ with the right size (and SHA-256 with --deep, which
reads every package) and is not in .obsolete/; and that the lease is sane.
With --pubkey, repo.minisig must verify. With --repair, current/ is first
made a copy of the head snapshot again if an interrupted publish left it
behind (what the next publish would do). Prints one line per violation
and exits with status 1 if there is any.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			if repair {
				fixed, err := r.Repair(cmd.Context())
				if err != nil {
					return err
				}
				if fixed && !asJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "repaired current/ from the head snapshot\n")
				}
			}
			rp, err := r.Verify(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd, rp); err != nil {
					return err
				}
			} else {
				out := cmd.OutOrStdout()
				for _, p := range rp.Problems {
					fmt.Fprintf(out, "FAIL %s\n", p)
				}
				for _, n := range rp.Notes {
					fmt.Fprintf(out, "note %s\n", n)
				}
				fmt.Fprintf(out, "%s: head %s, %s, %s, %s\n", rp.Target, rp.Head, count(rp.Packages, "package"), count(rp.Snapshots, "snapshot"), count(len(rp.Problems), "problem"))
			}
			if !rp.OK() {
				return &errExitCode{1, fmt.Errorf("repo verify: %s: %s (first: %s)", rp.Target, count(len(rp.Problems), "invariant violation"), rp.Problems[0])}
			}
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	cmd.Flags().BoolVar(&o.Deep, "deep", false, "re-hash every listed package's content")
	cmd.Flags().StringVar(&o.PublicKey, "pubkey", "", "minisign public key file repo.minisig must verify with")
	cmd.Flags().BoolVar(&repair, "repair", false, "first repair current/ from the head snapshot if it differs")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
