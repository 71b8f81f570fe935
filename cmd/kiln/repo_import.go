package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haikuports/kiln/internal/repo"
)

func newRepoImportCmd() *cobra.Command {
	var (
		sf       storeFlags
		sig      signerFlags
		infoFile string
		deep     bool
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "import SOURCE",
		Short: "Build a target's first snapshot from existing packages (migration)",
		Long: `Builds the first snapshot of an empty target from:
  - a directory of .hpkg files (repo.info beside them, or --info);
  - a HaikuPorter repository directory: repo, repo.info and packages/
    (packages may be 0-byte stubs of files already in the store);
  - a HaikuPorter-layout prefix: "store:PREFIX" is a prefix of the --store
    itself (e.g. store:master/x86_64/current for an in-place migration of a
    bucket HaikuPorter wrote: nothing is copied), any other URL
    (s3://bucket/master/x86_64/current, file:///dir) another store whose
    root holds repo and packages/. Metadata and checksums come from its
    repo file; package contents are not re-read. When that repo file lists
    exactly the imported packages, it becomes the snapshot's repo byte for
    byte, so clients see the same repo until the first publish.
Missing package files are uploaded; an interrupted import resumes where it
stopped when run again. Shows a progress bar on a terminal.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := repo.ImportOptions{Reason: "import from " + args[0]}
			var err error
			if o.Signer, err = sig.signer(); err != nil {
				return err
			}
			o.Deep = deep
			if infoFile != "" {
				info, err := parseRepoInfoFile(infoFile)
				if err != nil {
					return err
				}
				o.Info = &info
			}
			r, err := sf.create(cmd) // after the local inputs: a bad one creates no store
			if err != nil {
				return err
			}
			if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) && !asJSON {
				bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
					progressbar.OptionSetDescription("importing"), progressbar.OptionClearOnFinish())
				o.Progress = func(done, total int64) {
					bar.ChangeMax64(total)
					_ = bar.Set64(done)
				}
				defer bar.Finish()
			}
			var res *repo.ImportResult
			src := args[0]
			switch {
			case strings.HasPrefix(src, "store:"):
				res, err = r.ImportStore(cmd.Context(), r.Store(), strings.TrimPrefix(src, "store:"), o)
			case strings.Contains(src, "://"):
				st, oerr := openStore(cmd.Context(), src)
				if oerr != nil {
					return oerr
				}
				res, err = r.ImportStore(cmd.Context(), st, "", o)
			default:
				res, err = r.ImportDir(cmd.Context(), src, o)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(cmd.OutOrStdout(), "skipped %s (a newer version of it is imported)\n", s)
			}
			kept := ""
			if res.KeptRepo {
				kept = "; the source's repo file kept byte for byte"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: imported snapshot %s: %s (%d uploaded, %d already present%s)\n",
				r.Target(), res.Snapshot, count(res.Packages, "package"), res.Uploaded, res.Present, kept)
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	sig.add(cmd)
	cmd.Flags().StringVar(&infoFile, "info", "", "repo.info file (default: the source's)")
	cmd.Flags().BoolVar(&deep, "deep", false, "re-hash packages already in the store instead of trusting the source's checksums")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
