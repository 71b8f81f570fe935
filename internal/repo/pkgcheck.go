package repo

import (
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// PackageNameChars are the characters a package name may hold in a
// repository kiln publishes (and it may not start with '.'): a subset of
// what survives a URL path unescaped, so a client fetching
// current/packages/<file> by URL gets exactly that file. Haiku allows more
// (any character but "-/<>=!" and space); HaikuPorts uses only these (the
// reference's 6,552 x86_64 packages include names like libc++ and
// python3.10). Versions are already restricted to letters, digits, '_',
// '.' and '~' by pkginfo, architectures to their names.
const PackageNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_.+"

// ValidatePackage is the one check of a package's info on every way into a
// manifest: Publish (before anything is uploaded), Import (likewise) and
// the manifest reader (Manifest.Validate) use it, so whatever is published
// can be read back. It applies pkginfo.ValidatePackageInfo (a valid,
// lower-case name; versions in canonical form; …), checks the name against
// PackageNameChars and that the canonical file name is usable as a single
// key segment. Errors wrap pkginfo.ErrInvalid.
func ValidatePackage(info *pkginfo.PackageInfo) error {
	if err := pkginfo.ValidatePackageInfo(info); err != nil {
		return err
	}
	if i := strings.IndexFunc(info.Name, func(c rune) bool { return !strings.ContainsRune(PackageNameChars, c) }); i >= 0 || info.Name[0] == '.' {
		return fmt.Errorf("%w: name %q: a published package name holds only lower-case letters, digits, '_', '.' and '+' and does not start with '.'",
			pkginfo.ErrInvalid, info.Name)
	}
	if f := info.CanonicalFileName(); !validPackageFile(f) {
		return fmt.Errorf("%w: unusable file name %q", pkginfo.ErrInvalid, f)
	}
	return nil
}
