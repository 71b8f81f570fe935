package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
)

// planSource are the flags that say what a plan is made from, shared by
// "plan", "plan why".
type planSource struct {
	tree          string
	cacheDir      string
	licenses      string
	hpRepo        string
	arch          string
	secondary     []string
	repo          string
	system        string
	allowUntested bool
	mode          string
	from, to      string

	// mapFiles maps changed files to the ids of the active ports that
	// reference them, when the ports come from an evaluated tree (set by
	// planner); otherwise plan.PortsForFiles does it.
	mapFiles func(ctx context.Context, files []string) ([]string, error)
}

func (s *planSource) add(cmd *cobra.Command) {
	s.addPortFlags(cmd, "HaikuPorts tree (the folder holding the category folders)")
	f := cmd.Flags()
	f.StringVar(&s.arch, "arch", "", "primary target architecture (x86_64, x86_gcc2, ...)")
	f.StringSliceVar(&s.secondary, "secondary", nil, "secondary architecture of the repository (repeatable)")
	f.StringVar(&s.repo, "repo", "", "packages already published: a repository file, a folder of .hpkg files, a JSON package list or a kiln manifest")
	f.StringVar(&s.system, "system-packages", "", "system packages: a folder of .PackageInfo/.hpkg files, or one such file")
	f.BoolVar(&s.allowUntested, "allow-untested", false, "build ports marked untested on the architecture")
	f.StringVar(&s.mode, "mode", "", "update, everything or ports (default: ports when ports are given, update with --from/--to)")
	f.StringVar(&s.from, "from", "", "update mode: the commit last built")
	f.StringVar(&s.to, "to", "", "update mode: the commit to build (default HEAD)")
}

// addPortFlags adds the flags that say where the ports come from.
func (s *planSource) addPortFlags(cmd *cobra.Command, treeHelp string) {
	f := cmd.Flags()
	f.StringVar(&s.tree, "tree", "", treeHelp)
	f.StringVar(&s.licenses, "licenses", "", "Haiku's license names: a folder (one file per license) or a file with one name a line (default: the 47 licenses Haiku ships); recipes with other licenses are broken (with --tree)")
	f.StringVar(&s.cacheDir, "cache", "", "keep recipe evaluation results in this folder across runs (with --tree)")
	f.StringVar(&s.hpRepo, "haikuporter-repository", "", "read the ports from HaikuPorter's repository folder (*.DependencyInfo) instead of evaluating --tree")
}

// target returns the target the flags name.
func (s *planSource) target() (recipe.Target, error) {
	if s.arch == "" {
		return recipe.Target{}, errors.New("--arch is required")
	}
	a, err := parseTargetArch("--arch", s.arch)
	if err != nil {
		return recipe.Target{}, err
	}
	t := recipe.Target{Arch: a}
	for _, sec := range s.secondary {
		b, err := parseTargetArch("--secondary", sec)
		if err != nil {
			return recipe.Target{}, err
		}
		t.Secondary = append(t.Secondary, b)
	}
	return t, nil
}

// planner loads every input and indexes it.
func (s *planSource) planner(cmd *cobra.Command) (*plan.Planner, error) {
	target, err := s.target()
	if err != nil {
		return nil, &usageError{cmd, err}
	}
	in := plan.Input{Target: target}
	if in.Ports, err = loadPorts(cmd, s, target); err != nil {
		return nil, err
	}
	if s.repo != "" {
		if in.Repository, err = plan.LoadPackages(s.repo); err != nil {
			return nil, fmt.Errorf("--repo: %w", err)
		}
	}
	if s.system != "" {
		if in.System, err = plan.LoadPackages(s.system); err != nil {
			return nil, fmt.Errorf("--system-packages: %w", err)
		}
	} else {
		newLogger(cmd).Warn("no --system-packages: nothing provides haiku, haiku_devel or the system's commands")
	}
	return plan.New(in, plan.Options{AllowUntested: s.allowUntested, Logger: newLogger(cmd)})
}

// request builds the plan request from the flags and port arguments.
func (s *planSource) request(cmd *cobra.Command, ports []string) (plan.Request, error) {
	req := plan.Request{Ports: ports}
	switch {
	case s.mode != "":
		m, err := plan.ParseMode(s.mode)
		if err != nil {
			return req, &usageError{cmd, fmt.Errorf("--mode: %w", err)}
		}
		req.Mode = m
	case s.from != "":
		req.Mode = plan.ModeUpdate
	case len(ports) > 0:
		req.Mode = plan.ModePorts
	default:
		return req, usagef(cmd, "nothing to plan: name ports, or give --mode everything, or --mode update with --from")
	}
	if req.Mode == plan.ModeUpdate {
		if s.from == "" {
			return req, usagef(cmd, "update mode needs --from (and --to, default HEAD)")
		}
		if s.tree == "" {
			return req, usagef(cmd, "update mode needs --tree (a git checkout) to list the changed files")
		}
		to := s.to
		if to == "" {
			to = "HEAD"
		}
		files, err := plan.ChangedFiles(cmd.Context(), s.tree, s.from, to)
		if err != nil {
			return req, err
		}
		if s.mapFiles == nil {
			req.Files = files
		} else {
			ids, err := s.mapFiles(cmd.Context(), files)
			if err != nil {
				return req, err
			}
			req.Ports = append(req.Ports, ids...)
		}
	} else if s.from != "" || s.to != "" {
		return req, usagef(cmd, "--from and --to only apply to update mode, not %s", req.Mode)
	}
	return req, nil
}

// loadPorts returns the ports of the tree for the target.
func loadPorts(cmd *cobra.Command, s *planSource, target recipe.Target) ([]*recipe.Port, error) {
	switch {
	case s.hpRepo != "":
		l, err := plan.LoadHaikuPorterRepository(s.hpRepo, target)
		if err != nil {
			return nil, fmt.Errorf("--haikuporter-repository: %w", err)
		}
		if s.tree != "" {
			if err := setRecipePaths(s.tree, l); err != nil {
				return nil, fmt.Errorf("--tree: %w", err)
			}
		}
		return l, nil
	case s.tree != "":
		if _, err := os.Stat(s.tree); err != nil {
			return nil, fmt.Errorf("--tree: %w", err)
		}
		return loadTreePorts(cmd, s, target)
	}
	return nil, usagef(cmd, "--tree or --haikuporter-repository is required")
}

func newPlanCmd() *cobra.Command {
	var (
		src           planSource
		asJSON        bool
		ignoreMissing bool
	)
	cmd := &cobra.Command{
		Use:   "plan [flags] [PORT...]",
		Short: "Decide what a build run builds, in which order, and why",
		Long: `Plans a build run as the HaikuPorter build master would: for each requested
port, whether it is up to date (every output package already in --repo), to
build, blocked (each missing requirement named), broken, or unsupported or
untested on the architecture; the ports its build needs (BUILD_REQUIRES,
BUILD_PREREQUIRES, the scriptlet prerequisites and the transitive REQUIRES of
what satisfies them), preferring an existing package (repository, then system
packages) over building a port; and a deterministic build order. Dependency
cycles are reported with their members.

Modes: ports (the PORT arguments: name, name-version, name-version-revision
or a package name), everything (exactly the ports whose outputs are missing
from the repository), update (the ports whose files changed between --from
and --to in the --tree git checkout, plus any PORT arguments).

A PORT that names no port (nor a package of one) is an error (status 1,
nothing planned); --ignore-missing plans the others and lists it as
unknown. A port named like a subcommand (check, why) is given as
name-version.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := src.planner(cmd)
			if err != nil {
				return err
			}
			req, err := src.request(cmd, args)
			if err != nil {
				return err
			}
			p, err := pl.Plan(cmd.Context(), req)
			if err != nil {
				return err
			}
			if len(p.Unknown) > 0 && !ignoreMissing {
				return unknownPortsError(cmd, p.Unknown)
			}
			if asJSON {
				return printJSON(cmd, p)
			}
			return p.WriteText(cmd.OutOrStdout())
		},
	}
	src.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&ignoreMissing, "ignore-missing", false, "plan the ports that exist and list the unknown ones, instead of failing")
	cmd.AddCommand(newPlanWhyCmd(), newPlanCheckCmd())
	return cmd
}

// unknownPortsError names every requested port that does not exist; one
// that looks like a mistyped subcommand of plan gets cobra's suggestion.
func unknownPortsError(cmd *cobra.Command, unknown []plan.Unknown) error {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	var b strings.Builder
	for i, u := range unknown {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%q: %s", u.Spec, u.Reason)
		if s := cmd.SuggestionsFor(u.Spec); len(s) > 0 {
			fmt.Fprintf(&b, " (did you mean the subcommand %q?)", s[0])
		}
	}
	what := "unknown port"
	if len(unknown) > 1 {
		what = "unknown ports"
	}
	return fmt.Errorf("plan: %s %s (--ignore-missing plans the others)", what, b.String())
}
