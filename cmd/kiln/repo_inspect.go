package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// repoJSON is what "repo inspect --json" prints and "repo create
// --from-json" reads: the repository info and every package's attributes
// with its checksum.
type repoJSON struct {
	Info     pkginfo.RepositoryInfo `json:"info"`
	Packages []pkginfo.PackageInfo  `json:"packages"`
}

func newRepoInspectCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect REPO",
		Short: "Show a repository file's info and packages",
		Long: `Reads a Haiku repository file (the "repo" file, format HPKR) and prints its
repository info and one line per package: name, version, architecture and
checksum (the SHA-256 of the .hpkg file).

With --json it prints the repository info and every package's full
attributes as JSON; "kiln repo create --from-json" turns that back into a
repository.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			repo, err := readRepoFile(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeRepoJSON(out, repo)
			}
			return printRepo(out, repo)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the repository info and all package attributes as JSON")
	return cmd
}

func readRepoFile(name string) (*hpkg.Repository, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	repo, err := hpkg.ReadRepository(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return repo, nil
}

func writeRepoJSON(w io.Writer, repo *hpkg.Repository) error {
	pkgs := repo.Packages
	if pkgs == nil {
		pkgs = []pkginfo.PackageInfo{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(repoJSON{Info: repo.Info, Packages: pkgs})
}

func printRepo(w io.Writer, repo *hpkg.Repository) error {
	i := repo.Info
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "name:\t%s\n", i.Name)
	fmt.Fprintf(tw, "identifier:\t%s\n", i.Identifier)
	if i.BaseURL != "" {
		fmt.Fprintf(tw, "base URL:\t%s\n", i.BaseURL)
	}
	fmt.Fprintf(tw, "vendor:\t%s\n", i.Vendor)
	fmt.Fprintf(tw, "summary:\t%s\n", i.Summary)
	fmt.Fprintf(tw, "priority:\t%d\n", i.Priority)
	fmt.Fprintf(tw, "architecture:\t%s\n", i.Architecture)
	for _, l := range i.LicenseNames {
		fmt.Fprintf(tw, "license:\t%s\n", l)
	}
	fmt.Fprintf(tw, "packages:\t%d\n", len(repo.Packages))
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nNAME\tVERSION\tARCH\tCHECKSUM\n")
	for _, p := range repo.Packages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Architecture, p.Checksum)
	}
	return tw.Flush()
}
