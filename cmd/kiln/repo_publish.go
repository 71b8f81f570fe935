package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/repo"
)

func newRepoPublishCmd() *cobra.Command {
	var (
		sf                    storeFlags
		sig                   signerFlags
		infoFile              string
		adds, removes         []string
		reason                string
		allowDowngrade        bool
		port, commit, buildID string
		asJSON                bool
		guard                 guardFlags
		ignoreMissing         bool
	)
	cmd := &cobra.Command{
		Use:   "publish --target BRANCH/ARCH [--info repo.info] [--add PKG...] [--remove NAME... [--ignore-missing]] [--system-packages DIR|FILE [--allow-regressions]] [PKG...]",
		Short: "Publish packages to a target's repository as a new snapshot",
		Long: `Adds and removes packages in a target's repository in the store, as one new
snapshot: new packages are uploaded to current/packages/ (create-if-absent;
a published file never changes), the repo file is generated from the
snapshot's manifest without reading any package, the head moves by
compare-and-swap under the target's lease, and current/ is refreshed with
repo.sha256 last. An added package replaces the package of the same name.
Removed packages stay downloadable until "kiln repo prune" retires them;
removing a name the target does not list is an error naming it, unless
--ignore-missing.

The first publish of a target needs --info (its repo.info). Publishing what
is already published changes nothing. Packages may be given with --add or
as arguments.

With --system-packages (a folder of .PackageInfo/.hpkg files, or one such
file, a repo file or a JSON list, as for "kiln plan check"), the publish is
refused, before anything is uploaded, when the new repository would make a
package that could be installed from the current one uninstallable (a
requirement no longer satisfied under Haiku's rule, directly or through
the packages that satisfy it); the error names each such package and the
requirement. Packages removed with --remove are not themselves counted,
the packages that need them are. --allow-regressions publishes anyway and
only logs the regressions.`,
		Args: cobra.ArbitraryArgs, // package files
		RunE: func(cmd *cobra.Command, args []string) error {
			// Local inputs first: a bad one creates no store.
			var c repo.Change
			var err error
			c.Reason, c.AllowDowngrade, c.Remove, c.IgnoreMissing = reason, allowDowngrade, removes, ignoreMissing
			if c.Signer, err = sig.signer(); err != nil {
				return err
			}
			if infoFile != "" {
				info, err := parseRepoInfoFile(infoFile)
				if err != nil {
					return err
				}
				c.Info = &info
			}
			for _, p := range append(adds, args...) {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				fi, err := f.Stat()
				if err != nil {
					return err
				}
				c.Add = append(c.Add, repo.Add{Name: p, R: f, Size: fi.Size(), Source: repo.Source{Port: port, RecipeCommit: commit, BuildID: buildID}})
			}
			if c.Info == nil && len(c.Add) == 0 && len(c.Remove) == 0 && c.Signer == nil {
				return errors.New("repo publish: nothing to do (give --add, --remove or --info)")
			}
			r, err := sf.create(cmd)
			if err != nil {
				return err
			}
			if c.Guard, err = guard.guard(cmd, r.Target()); err != nil {
				return err
			}
			done := func() {}
			if f, ok := terminal(cmd); ok && !asJSON && len(c.Add) > 0 {
				c.Progress, done = uploadBar(f)
			}
			res, err := r.Publish(cmd.Context(), c)
			done()
			if errors.Is(err, repo.ErrNotListed) {
				return fmt.Errorf("%w (--ignore-missing removes only the listed ones)", err)
			}
			if err != nil {
				return guard.explain(err)
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			out := cmd.OutOrStdout()
			if res.Unchanged {
				fmt.Fprintf(out, "%s: unchanged at snapshot %s (%s)\n", r.Target(), res.Snapshot, count(res.Packages, "package"))
				return nil
			}
			for _, f := range res.Added {
				fmt.Fprintf(out, "+ %s\n", f)
			}
			for _, f := range res.Removed {
				fmt.Fprintf(out, "- %s\n", f)
			}
			fmt.Fprintf(out, "%s: published snapshot %s (%s, repo sha256 %s)\n", r.Target(), res.Snapshot, count(res.Packages, "package"), res.RepoSHA256)
			return nil
		},
	}
	sf.add(cmd)
	sf.addLeaseWait(cmd)
	sig.add(cmd)
	f := cmd.Flags()
	f.StringVar(&infoFile, "info", "", "repo.info file (required for the first publish; replaces the repository info)")
	f.StringSliceVar(&adds, "add", nil, "package file to add (repeatable)")
	f.StringSliceVar(&removes, "remove", nil, "package name to remove (repeatable)")
	f.StringVar(&reason, "reason", "", "reason recorded in the snapshot")
	f.BoolVar(&allowDowngrade, "allow-downgrade", false, "allow replacing a package by an older version")
	f.StringVar(&port, "port", "", "source port recorded for the added packages")
	f.StringVar(&commit, "recipe-commit", "", "recipe commit recorded for the added packages")
	f.StringVar(&buildID, "build-id", "", "build id recorded for the added packages")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&ignoreMissing, "ignore-missing", false, "a --remove name the target does not list is no error (for scripts that rerun a removal)")
	guard.add(cmd)
	return cmd
}

// guardFlags are --system-packages and --allow-regressions, taken by every
// command that publishes a snapshot (publish, rollback, prune --active).
type guardFlags struct {
	systemPackages   string
	allowRegressions bool
}

func (g *guardFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.systemPackages, "system-packages", "", "system packages (folder or file): refuse a new snapshot that makes an installable package uninstallable")
	f.BoolVar(&g.allowRegressions, "allow-regressions", false, "with --system-packages: publish even so, logging the packages it makes uninstallable")
}

// guard returns the regression guard the flags ask for (nil: none).
func (g *guardFlags) guard(cmd *cobra.Command, t repo.Target) (repo.Guard, error) {
	if g.systemPackages == "" {
		if g.allowRegressions {
			return nil, fmt.Errorf("%s: --allow-regressions needs --system-packages", cmd.CommandPath())
		}
		return nil, nil
	}
	return publishGuard(cmd, t, g.systemPackages, g.allowRegressions)
}

// explain adds the way out to a regression refusal.
func (g *guardFlags) explain(err error) error {
	if re := (*repo.RegressionError)(nil); errors.As(err, &re) {
		return fmt.Errorf("%w (--allow-regressions publishes anyway)", err)
	}
	return err
}

// publishGuard loads the system packages and returns the regression
// guard for target t; with allow, regressions are logged, not refused.
func publishGuard(cmd *cobra.Command, t repo.Target, system string, allow bool) (repo.Guard, error) {
	arch, err := t.Architecture()
	if err != nil {
		return nil, err
	}
	sys, err := plan.LoadPackages(system)
	if err != nil {
		return nil, fmt.Errorf("--system-packages: %w", err)
	}
	g := repo.NoRegressions(arch, sys)
	if !allow {
		return g, nil
	}
	log := newLogger(cmd)
	return func(ctx context.Context, old, new []pkginfo.PackageInfo) error {
		err := g(ctx, old, new)
		var re *repo.RegressionError
		if errors.As(err, &re) {
			log.Warn("publishing regressions (--allow-regressions)", "target", t.String(), "regressions", re.Error())
			return nil
		}
		return err
	}, nil
}
