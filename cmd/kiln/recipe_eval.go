package main

import (
	"errors"
	"fmt"
	"github.com/haikuports/kiln/internal/daemon"
	"io"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/recipe"
)

func newRecipeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recipe",
		Short: "Evaluate HaikuPorts recipes",
	}
	cmd.AddCommand(newRecipeEvalCmd())
	return cmd
}

// evalFlags are the evaluation settings shared by "recipe eval" and the
// "ports" commands.
type evalFlags struct {
	arch          string
	secondary     []string
	licenses      string
	allowUntested bool
	sourcePkgs    bool
	linksDir      string
	buildArch     string
	asJSON        bool
}

func (f *evalFlags) add(cmd *cobra.Command, secondaryHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.arch, "arch", "x86_64", "target architecture")
	fl.StringSliceVar(&f.secondary, "secondary", nil, secondaryHelp)
	fl.StringVar(&f.licenses, "licenses", "", "Haiku's license names: a folder (one file per license) or a file with one name a line (default: the 47 licenses Haiku ships)")
	fl.BoolVar(&f.allowUntested, "allow-untested", false, "treat ports marked ?arch as buildable (ALLOW_UNTESTED)")
	fl.BoolVar(&f.sourcePkgs, "source-packages", false, "add the automatic <port>_source package (CREATE_SOURCE_PACKAGES)")
	fl.StringVar(&f.linksDir, "package-links-dir", "stub", "what findDirectory B_PACKAGE_LINKS_DIRECTORY returns (\"stub\" on the buildmaster, \"/packages\" for HaikuPorter on Linux)")
	fl.StringVar(&f.buildArch, "build-arch", "any", "$buildArchitecture (\"any\" on the buildmaster)")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
}

func (f *evalFlags) settings() (*recipe.Settings, error) {
	s := recipe.DefaultSettings()
	s.AllowUntested = f.allowUntested
	s.CreateSourcePackages = f.sourcePkgs
	s.PackageLinksDirectory = f.linksDir
	s.BuildArchitecture = f.buildArch
	if f.licenses != "" {
		l, err := readLicenses(f.licenses)
		if err != nil {
			return nil, fmt.Errorf("--licenses: %w", err)
		}
		s.KnownLicenses = l
	}
	return &s, nil
}

// readLicenses reads license names from a folder's file names or a file's lines.
func readLicenses(path string) ([]string, error) { return daemon.ReadLicenses(path) }

// target returns the primary target; with forSecondary the first
// --secondary architecture is the one evaluated.
func (f *evalFlags) target(forSecondary bool) (recipe.Target, error) {
	a, err := parseTargetArch("--arch", f.arch)
	if err != nil {
		return recipe.Target{}, err
	}
	t := recipe.Target{Arch: a}
	for _, s := range f.secondary {
		b, err := parseTargetArch("--secondary", s)
		if err != nil {
			return recipe.Target{}, err
		}
		t.Secondary = append(t.Secondary, b)
	}
	if forSecondary && len(t.Secondary) > 0 {
		t.ForSecondary = t.Secondary[0]
	}
	return t, nil
}

func newRecipeEvalCmd() *cobra.Command {
	var (
		f    evalFlags
		tree string
	)
	cmd := &cobra.Command{
		Use:   "eval FILE",
		Short: "Evaluate one recipe as HaikuPorter does and print the port",
		Long: `Evaluates a recipe (<tree>/<category>/<port>/<port>-<version>.recipe) in kiln's
sandboxed shell with the variables HaikuPorter sets, applies HaikuPorter's
attribute rules and validation, and prints the port on the target: its status,
packages (name, architecture, provides, requires) and build requirements.
A recipe HaikuPorter would reject is printed as broken with the reason and
makes the command exit with status 1.

With --secondary B the recipe is evaluated for the secondary architecture B
(packages named <port>_B, $secondaryArchSuffix set to _B).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := f.settings()
			if err != nil {
				return err
			}
			target, err := f.target(true)
			if err != nil {
				return err
			}
			p, err := recipe.Evaluate(cmd.Context(), args[0], tree, target, st)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				if err := printJSON(cmd, p); err != nil {
					return err
				}
			} else {
				printPort(out, p)
			}
			if p.Error != "" {
				return &errExitCode{1, errors.New(p.ID() + " is broken: " + p.Error)}
			}
			return nil
		},
	}
	f.add(cmd, "secondary architecture to evaluate the recipe for (e.g. x86 with --arch x86_gcc2)")
	cmd.Flags().StringVar(&tree, "tree", "", "the ports tree the recipe is in (default: three levels above the recipe)")
	return cmd
}

// printPort prints a port for people.
func printPort(w io.Writer, p *recipe.Port) {
	arch := p.Target.Arch.String()
	if p.Target.ForSecondary != 0 {
		arch = p.Target.ForSecondary.String() + " (secondary on " + arch + ")"
	}
	fmt.Fprintf(w, "%s (%s) on %s: %s", p.ID(), p.RecipePath, arch, p.Status)
	if p.Error != "" {
		fmt.Fprintf(w, "\n  error: %s\n", p.Error)
		return
	}
	if p.Buildable {
		fmt.Fprint(w, ", buildable")
	} else {
		fmt.Fprint(w, ", not buildable")
	}
	fmt.Fprintf(w, "\n  revision: %d\n", p.Revision)
	list := func(label string, l []string) {
		if len(l) > 0 {
			fmt.Fprintf(w, "  %s:\n", label)
			for _, s := range l {
				fmt.Fprintf(w, "    %s\n", s)
			}
		}
	}
	list("build requires", p.RawBuildRequires)
	list("build prerequires", p.RawBuildPrerequires)
	list("test requires", p.RawTestRequires)
	pkgs := func(label string, l []recipe.Package) {
		for i := range l {
			pk := &l[i]
			fmt.Fprintf(w, "  %s %s (%s, %s)\n", label, pk.FileName(), pk.Type, pk.Status)
			for _, s := range pk.RawProvides {
				fmt.Fprintf(w, "    provides %s\n", s)
			}
			for _, s := range pk.RawRequires {
				fmt.Fprintf(w, "    requires %s\n", s)
			}
		}
	}
	pkgs("package", p.Packages)
	pkgs("not built:", p.OtherPackages)
	for _, s := range p.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", s)
	}
}
