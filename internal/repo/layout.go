package repo

import (
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Target names one repository: a branch and a primary architecture under an
// optional root prefix of the store.
type Target struct {
	Root   string // "" or a key prefix; a missing trailing "/" is added
	Branch string
	Arch   string
}

// ParseTarget parses "branch/arch" (e.g. "master/x86_64").
func ParseTarget(s string) (Target, error) {
	b, a, ok := strings.Cut(s, "/")
	if !ok || b == "" || a == "" || strings.Contains(a, "/") || !validSegment(b) || !validSegment(a) {
		return Target{}, fmt.Errorf("%w %q: want branch/arch, e.g. master/x86_64", ErrBadTarget, s)
	}
	if _, err := pkginfo.ParseArchitecture(a); err != nil {
		return Target{}, fmt.Errorf("%w %q: unknown architecture %q", ErrBadTarget, s, a)
	}
	return Target{Branch: b, Arch: a}, nil
}

func validSegment(s string) bool {
	if s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == '/' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

// String returns "branch/arch".
func (t Target) String() string { return t.Branch + "/" + t.Arch }

// Architecture returns the target's primary architecture.
func (t Target) Architecture() (pkginfo.Architecture, error) {
	return pkginfo.ParseArchitecture(t.Arch)
}

// prefix is the key prefix of the target, ending in "/".
func (t Target) prefix() string {
	r := t.Root
	if r != "" && !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r + t.Branch + "/" + t.Arch + "/"
}

// Names of the repository files, as clients expect them.
const (
	FileRepo        = "repo"
	FileRepoInfo    = "repo.info"
	FileRepoSHA256  = "repo.sha256"
	FileRepoMinisig = "repo.minisig"
	FilePackageList = "package.list"
	FileManifest    = "manifest.json"
)

type layout struct{ p string }

func (t Target) layout() layout { return layout{t.prefix()} }

func (l layout) current(name string) string  { return l.p + "current/" + name }
func (l layout) packagesPrefix() string      { return l.p + "current/packages/" }
func (l layout) pkg(file string) string      { return l.p + "current/packages/" + file }
func (l layout) obsoletePrefix() string      { return l.p + "current/packages/.obsolete/" }
func (l layout) obsolete(file string) string { return l.p + "current/packages/.obsolete/" + file }
func (l layout) head() string                { return l.p + ".kiln/head.json" }
func (l layout) lease() string               { return l.p + ".kiln/lease.json" }
func (l layout) snapshotsPrefix() string     { return l.p + ".kiln/snapshots/" }
func (l layout) snapshot(id, name string) string {
	return l.p + ".kiln/snapshots/" + id + "/" + name
}

// validPackageFile reports whether name is acceptable as a file name under
// current/packages/ (one segment, .hpkg, not hidden).
func validPackageFile(name string) bool {
	return validSegment(name) && !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".hpkg")
}

// Key names for servers and tools that read a target directly.

// CurrentKey is the key of current/<name> (repo, repo.info, …).
func (r *Repo) CurrentKey(name string) string { return r.l.current(name) }

// PackageKey is the key of a package file in current/packages/.
func (r *Repo) PackageKey(file string) string { return r.l.pkg(file) }

// SnapshotKey is the key of a file of snapshot id (repo, repo.info,
// repo.sha256, repo.minisig, package.list, manifest.json). Snapshot files
// never change once written, so they may be cached forever.
func (r *Repo) SnapshotKey(id, name string) string { return r.l.snapshot(id, name) }

// HeadKey is the key of head.json.
func (r *Repo) HeadKey() string { return r.l.head() }

// PackagesPrefix is the key prefix of the package files (current/packages/,
// ending in "/"; .obsolete/ lies below it).
func (r *Repo) PackagesPrefix() string { return r.l.packagesPrefix() }

// SnapshotsPrefix is the key prefix of the stored snapshots
// (.kiln/snapshots/, ending in "/").
func (r *Repo) SnapshotsPrefix() string { return r.l.snapshotsPrefix() }

// BuildPackagesPrefix is the key prefix of the build-packages repositories
// (.kiln/build-packages/, ending in "/").
func (r *Repo) BuildPackagesPrefix() string { return r.l.buildPackagesPrefix() }

// ValidSnapshotID reports whether id is acceptable as a snapshot id (a
// single safe key segment of letters, digits, '-', '_' and '.', not
// starting with '.'), as servers check ids from URLs before any store
// access.
func ValidSnapshotID(id string) bool { return validSnapshotID(id) }
