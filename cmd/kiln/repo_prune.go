package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

func newRepoPruneCmd() *cobra.Command {
	var (
		sf         storeFlags
		sig        signerFlags
		o          repo.PruneOptions
		activeFile string
		asJSON     bool
		guard      guardFlags
	)
	cmd := &cobra.Command{
		Use:   "prune [--dry-run] [--active FILE [--system-packages DIR|FILE [--allow-regressions]]]",
		Short: "Apply retention: drop old snapshots, retire unreferenced packages",
		Long: `Keeps the newest --keep snapshots of the head history and all younger than
--keep-age; deletes the others. A package file leaves current/packages/
(moved to current/packages/.obsolete/) only when no kept snapshot lists it
and --grace has passed since it left the head. Files in .obsolete/ are
deleted after --obsolete-retention. --dry-run only reports.

With --active FILE (one "name version" line per package the active ports
produce, e.g. "curl_devel 8.5.0-1"), HaikuPorter's rules first drop from
the listing, in a new snapshot, every package no active port produces and
every package newer than its active port; more than a quarter of the
packages needs --allow-mass-removal. --system-packages refuses that
snapshot if it makes an installable package uninstallable, as for
"kiln repo publish" (then nothing is pruned).`,
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
			if activeFile != "" {
				if o.Active, err = readActiveFile(activeFile); err != nil {
					return err
				}
			}
			if o.Signer, err = sig.signer(); err != nil {
				return err
			}
			if o.Guard, err = guard.guard(cmd, r.Target()); err != nil {
				return err
			}
			if o.Guard != nil && o.Active == nil {
				return fmt.Errorf("repo prune: --system-packages guards the snapshot --active makes; give --active")
			}
			res, err := r.Prune(cmd.Context(), o)
			if err != nil {
				return guard.explain(err)
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			out := cmd.OutOrStdout()
			verb := ""
			if o.DryRun {
				verb = "would be "
			}
			for _, x := range res.Removed {
				fmt.Fprintf(out, "%s %sremoved from the listing: %s\n", x.File, verb, x.Reason)
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
			for _, f := range res.DeletedTemps {
				fmt.Fprintf(out, "%s %sdeleted (temp file of an interrupted write)\n", f, verb)
			}
			fmt.Fprintf(out, "%s: %s kept, %d deleted; %s retired, %d in their grace period; %s deleted\n",
				r.Target(), count(len(res.KeptSnapshots), "snapshot"), len(res.DeletedSnapshots), count(len(res.Obsoleted), "package"), len(res.Pending), count(len(res.DeletedObsolete), "obsolete file"))
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	sig.add(cmd)
	guard.add(cmd)
	f := cmd.Flags()
	f.StringVar(&activeFile, "active", "", `file of "name version" lines: the packages active ports produce`)
	f.BoolVar(&o.AllowMassRemoval, "allow-mass-removal", false, "let --active remove more than a quarter of the packages")
	f.BoolVar(&o.DryRun, "dry-run", false, "report what would be done, change nothing")
	f.IntVar(&o.KeepSnapshots, "keep", 10, "snapshots of the head history to keep (head included)")
	durationVar(f, &o.KeepAge, "keep-age", 7*24*time.Hour, "also keep snapshots younger than this")
	durationVar(f, &o.Grace, "grace", 24*time.Hour, "time an unreferenced package stays in packages/")
	durationVar(f, &o.ObsoleteRetention, "obsolete-retention", 30*24*time.Hour, "time a package stays in .obsolete/ (negative: forever)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// readActiveFile reads "name version" lines (# comments, blank lines ok).
func readActiveFile(path string) (map[string]pkginfo.Version, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]pkginfo.Version{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"name version\"", path, i+1)
		}
		v, err := pkginfo.ParseVersion(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		m[f[0]] = v
	}
	return m, nil
}
