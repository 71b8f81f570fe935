package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// maxLicenseSize bounds a license text copied out of a package.
const maxLicenseSize = 4 << 20

func newRepoCreateCmd() *cobra.Command {
	var infoFile, outDir, fromJSON string
	var jobs int
	cmd := &cobra.Command{
		Use:   "create (--info repo.info PKG... | --from-json FILE) -o DIR",
		Short: "Write a repository (repo, repo.sha256, package.list) from packages or JSON",
		Long: `Writes a Haiku package repository into DIR: "repo" (format HPKR), "repo.sha256"
(the SHA-256 of repo as 64 lowercase hex characters, no newline) and
"package.list" (the canonical file name of every package, one a line).

With --info, the repository info comes from a repo.info file and the
packages from the .hpkg files given as arguments, which are hashed and
parsed concurrently (--jobs) without loading them into memory. As Haiku's
package_repo does, a package is rejected when its name is already in the
repository, its vendor differs from the repository's (ignoring case) or its
architecture is not the repository's, any or source; for packages flagged
approve_license, the texts of their licenses (data/licenses/<name> in the
package) are embedded in the repository info.

With --from-json, everything comes from what "kiln repo inspect --json"
prints (repository info and package attributes with checksums); no package
file is read.

The output depends only on the input: the same packages give the same bytes.`,
		Args: cobra.ArbitraryArgs, // package files
		RunE: func(cmd *cobra.Command, args []string) error {
			if outDir == "" {
				return errors.New("repo create: -o DIR is required")
			}
			var info pkginfo.RepositoryInfo
			var pkgs []pkginfo.PackageInfo
			switch {
			case fromJSON != "" && (infoFile != "" || len(args) > 0):
				return errors.New("repo create: --from-json takes no --info and no package files")
			case fromJSON != "":
				r, err := readRepoJSON(fromJSON)
				if err != nil {
					return err
				}
				info, pkgs = r.Info, r.Packages
			case infoFile == "":
				return errors.New("repo create: give --info repo.info and package files, or --from-json FILE")
			case len(args) == 0:
				return errors.New("repo create: no package files given")
			default:
				var err error
				if info, err = parseRepoInfoFile(infoFile); err != nil {
					return err
				}
				if pkgs, err = scanPackages(cmd.Context(), newLogger(cmd), &info, args, jobs); err != nil {
					return err
				}
			}
			sum, err := writeRepoDir(outDir, info, pkgs)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: repository of %s written (repo sha256 %s)\n", outDir, count(len(pkgs), "package"), sum)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&infoFile, "info", "", "repo.info file with the repository info")
	f.StringVar(&fromJSON, "from-json", "", `JSON file as printed by "kiln repo inspect --json"`)
	f.StringVarP(&outDir, "output", "o", "", "directory to write repo, repo.sha256 and package.list into")
	f.IntVarP(&jobs, "jobs", "j", runtime.GOMAXPROCS(0), "packages hashed and parsed at the same time")
	return cmd
}

func readRepoJSON(name string) (*repoJSON, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r repoJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// scannedPackage is one package file's result.
type scannedPackage struct {
	info     pkginfo.PackageInfo
	licenses map[string]string // license name → text, for approve_license packages
}

// scanPackages hashes and parses the package files with at most jobs
// working at once, each streaming its file (sha256 via io.Copy, attributes
// and license files through the hpkg reader on an io.ReaderAt). It checks
// every package against info as package_repo does, and adds the license
// texts of approve_license packages to info (first package first; a name
// already present keeps its text). Results keep the order of paths.
func scanPackages(ctx context.Context, log *slog.Logger, info *pkginfo.RepositoryInfo, paths []string, jobs int) ([]pkginfo.PackageInfo, error) {
	res := make([]scannedPackage, len(paths))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(jobs, 1))
	for i, path := range paths {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := scanPackage(log, path)
			if err != nil {
				return err
			}
			if err := hpkg.CheckRepositoryPackage(info, &s.info); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if base := filepath.Base(path); base != s.info.CanonicalFileName() {
				log.Warn("package file name differs from its canonical name; package.list uses the canonical name",
					"file", path, "canonical", s.info.CanonicalFileName())
			}
			res[i] = s
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	pkgs := make([]pkginfo.PackageInfo, len(res))
	have := map[string]bool{}
	for _, n := range info.LicenseNames {
		have[n] = true
	}
	for i := range res {
		pkgs[i] = res[i].info
		for _, name := range res[i].info.Licenses {
			text, ok := res[i].licenses[name]
			if ok && !have[name] {
				have[name] = true
				info.LicenseNames = append(info.LicenseNames, name)
				info.LicenseTexts = append(info.LicenseTexts, text)
			}
		}
	}
	return pkgs, nil
}

func scanPackage(log *slog.Logger, path string) (scannedPackage, error) {
	var s scannedPackage
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	p, err := hpkg.Open(f, size)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	defer p.Close()
	s.info = p.Info
	s.info.Checksum = hex.EncodeToString(h.Sum(nil))
	if s.info.Flags&pkginfo.FlagApproveLicense == 0 {
		return s, nil
	}
	for _, name := range s.info.Licenses {
		if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
			continue // cannot name a file in data/licenses
		}
		text, err := p.ReadFile("data/licenses/"+name, maxLicenseSize)
		if errors.Is(err, hpkg.ErrNotFound) {
			// A license Haiku itself ships (system/data/licenses).
			log.Debug("license text not in package", "package", path, "license", name)
			continue
		}
		if err != nil {
			return s, fmt.Errorf("%s: license %q: %w", path, name, err)
		}
		if s.licenses == nil {
			s.licenses = map[string]string{}
		}
		s.licenses[name] = string(text)
	}
	return s, nil
}

// writeRepoDir writes repo, package.list and then repo.sha256 into dir,
// each through a temporary file renamed into place, and returns the
// checksum.
func writeRepoDir(dir string, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) (string, error) {
	repo, err := hpkg.AppendRepository(nil, info, pkgs)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var list strings.Builder
	for i := range pkgs {
		list.WriteString(pkgs[i].CanonicalFileName())
		list.WriteByte('\n')
	}
	sum := hpkg.RepoSHA256Bytes(repo)
	for _, f := range []struct {
		name string
		data []byte
	}{{"repo", repo}, {"package.list", []byte(list.String())}, {"repo.sha256", []byte(sum)}} {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return "", err
		}
	}
	return sum, nil
}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func parseRepoInfoFile(name string) (pkginfo.RepositoryInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return pkginfo.RepositoryInfo{}, err
	}
	defer f.Close()
	info, err := pkginfo.ParseRepositoryInfo(f, name)
	if err != nil {
		return pkginfo.RepositoryInfo{}, err
	}
	return *info, nil
}
