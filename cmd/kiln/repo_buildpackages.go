package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoBuildPackagesCmd() *cobra.Command {
	var (
		sf      storeFlags
		baseURL string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "build-packages NAME PACKAGE...",
		Short: "Make a build-packages repository (for Haiku's build) from packages in the store",
		Long: `Makes the build-packages repository NAME of the target from packages its
store already holds: each PACKAGE is a package name (the head's package of
that name) or a canonical file name such as gcc-13.3.0_2023_08_10-1-x86_64.hpkg
(the head's, else the newest stored snapshot's). Nothing is uploaded: repo,
repo.info, repo.sha256 and package.list are generated from the packages'
manifest entries and stored, with the manifest, below
<branch>/<arch>/.kiln/build-packages/NAME/; kiln serve serves them at
/repo/<branch>/<arch>/build-packages/NAME/. Prune keeps every package a
build-packages repository lists.

A build-packages repository never changes: making NAME again with the same
packages prints "unchanged" and exits 0; with other packages it fails. An
entry no snapshot lists fails naming every such entry. repo.info's base URL
is the head's with a final /current replaced by /build-packages/NAME
(--base-url sets it). See docs/decisions/0004.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := sf.open(cmd)
			if err != nil {
				return err
			}
			res, err := r.CreateBuildPackages(cmd.Context(), repo.BuildPackagesOptions{Name: args[0], Packages: args[1:], BaseURL: baseURL})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			what := "made"
			if res.Unchanged {
				what = "unchanged"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: build-packages %s %s (%s from snapshot %s, repo sha256 %s)\n",
				r.Target(), res.Name, what, count(len(res.Packages), "package"), res.From, res.RepoSHA256)
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	cmd.Flags().StringVar(&baseURL, "base-url", "", "repo.info base URL (default: the head's, /current replaced by /build-packages/NAME)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
