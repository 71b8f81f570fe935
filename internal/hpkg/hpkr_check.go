package hpkg

import (
	"errors"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// ErrRejected means a package cannot go into a repository (package_repo's
// checks, FORMATS.md §2.2) or the repository info is unusable.
var ErrRejected = errors.New("hpkg: rejected by the repository writer")

// CheckRepositoryInfo reports whether info can be written: name,
// identifier, vendor and summary set, a known architecture other than
// "any", and as many license texts as license names.
func CheckRepositoryInfo(info *pkginfo.RepositoryInfo) error {
	for _, f := range []struct{ name, v string }{
		{"name", info.Name}, {"identifier", info.Identifier}, {"vendor", info.Vendor}, {"summary", info.Summary},
	} {
		if f.v == "" {
			return fmt.Errorf("%w: repository info: %s is empty", ErrRejected, f.name)
		}
	}
	if !info.Architecture.Valid() || info.Architecture == pkginfo.ArchAny {
		return fmt.Errorf("%w: repository info: architecture %s is not a repository architecture", ErrRejected, info.Architecture)
	}
	if len(info.LicenseNames) != len(info.LicenseTexts) {
		return fmt.Errorf("%w: repository info: %d license names but %d license texts",
			ErrRejected, len(info.LicenseNames), len(info.LicenseTexts))
	}
	return nil
}

// CheckRepositoryPackage reports whether package_repo would add p to a
// repository described by info (FORMATS.md §2.2): its vendor must equal
// the repository's (case-insensitively) and its architecture must be the
// repository's, "any" or "source". It also requires the checksum a
// repository entry carries: 64 lowercase hex characters (SHA-256 of the
// .hpkg file). Duplicate names are checked by CheckRepositoryPackages.
func CheckRepositoryPackage(info *pkginfo.RepositoryInfo, p *pkginfo.PackageInfo) error {
	if p.Name == "" {
		return fmt.Errorf("%w: package without a name", ErrRejected)
	}
	if !strings.EqualFold(p.Vendor, info.Vendor) {
		return fmt.Errorf("%w: package %s: vendor %q does not match the repository vendor %q", ErrRejected, p.Name, p.Vendor, info.Vendor)
	}
	switch p.Architecture {
	case info.Architecture, pkginfo.ArchAny, pkginfo.ArchSource:
	default:
		return fmt.Errorf("%w: package %s: architecture %s does not fit a %s repository (only %s, any or source)",
			ErrRejected, p.Name, p.Architecture, info.Architecture, info.Architecture)
	}
	if !isSHA256Hex(p.Checksum) {
		return fmt.Errorf("%w: package %s: checksum %q is not 64 lowercase hex characters", ErrRejected, p.Name, p.Checksum)
	}
	return nil
}

// CheckRepositoryPackages checks info and every package, and that no two
// packages have the same name; the error names the first problem.
func CheckRepositoryPackages(info *pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error {
	if err := CheckRepositoryInfo(info); err != nil {
		return err
	}
	seen := make(map[string]int, len(pkgs))
	for i := range pkgs {
		p := &pkgs[i]
		if err := CheckRepositoryPackage(info, p); err != nil {
			return err
		}
		if j, dup := seen[p.Name]; dup {
			return fmt.Errorf("%w: package %s (%s) is already in the repository (as %s)",
				ErrRejected, p.Name, p.Version, pkgs[j].Version)
		}
		seen[p.Name] = i
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
