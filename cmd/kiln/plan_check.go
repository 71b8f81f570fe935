package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
)

func newPlanCheckCmd() *cobra.Command {
	var (
		src    planSource
		allSys bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "check --repo FILE --system-packages DIR|FILE [--tree DIR]",
		Short: "Check a repository's consistency with the system packages and the tree",
		Long: `Reports, for a repository and the system packages (with Haiku's own matching
rule, which decides what pkgman can install): every requirement nothing
satisfies, every package that cannot be installed (and through which
requirement), system packages the repository cannot satisfy, requirements
that packages of more than one name satisfy (provides conflicts), package
names published in several versions, and, with --tree or
--haikuporter-repository, every package no active port produces any more
(HaikuPorter's prune rules). Exits with status 1 when there are
unsatisfied, uninstallable or obsolete packages.

--arch defaults to the repository file's architecture.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if src.repo == "" {
				return usagef(cmd, "--repo is required")
			}
			in := plan.CheckInput{AllowUntested: src.allowUntested, AllSystemArchitectures: allSys}
			var err error
			if in.Repository, err = plan.LoadPackages(src.repo); err != nil {
				return fmt.Errorf("--repo: %w", err)
			}
			if src.arch == "" {
				r, err := plan.LoadRepositoryFile(src.repo)
				if err != nil {
					return fmt.Errorf("--arch not given and %w", err)
				}
				src.arch = r.Info.Architecture.String()
			}
			if src.system != "" {
				if in.System, err = plan.LoadPackages(src.system); err != nil {
					return fmt.Errorf("--system-packages: %w", err)
				}
			}
			var target recipe.Target
			if target, err = src.target(); err != nil {
				return &usageError{cmd, err}
			}
			in.Arch = target.Arch
			if in.Arch == pkginfo.ArchAny || in.Arch == pkginfo.ArchSource {
				return fmt.Errorf("--arch: %s is not a target architecture", in.Arch)
			}
			if src.tree != "" || src.hpRepo != "" {
				if in.Ports, err = loadPorts(cmd, &src, target); err != nil {
					return err
				}
			}
			r := plan.Check(in)
			if asJSON {
				err = printJSON(cmd, r)
			} else {
				err = r.WriteText(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if n := r.Problems(); n > 0 {
				return &errExitCode{1, fmt.Errorf("plan check: %s: %s", src.repo, count(n, "problem"))}
			}
			return nil
		},
	}
	src.addPortFlags(cmd, "HaikuPorts tree, to report packages no active port produces")
	f := cmd.Flags()
	f.StringVar(&src.repo, "repo", "", "the repository: a repository file, a folder of .hpkg files, a JSON package list or a kiln manifest")
	f.StringVar(&src.system, "system-packages", "", "system packages: a folder of .PackageInfo/.hpkg files, or one such file")
	f.StringVar(&src.arch, "arch", "", "the repository's architecture (default: the repository file's)")
	f.BoolVar(&src.allowUntested, "allow-untested", false, "count ports marked untested as active")
	f.BoolVar(&allSys, "all-system-architectures", false, "count system packages of every architecture (e.g. a hybrid's primary ones)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
