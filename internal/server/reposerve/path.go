package reposerve

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/haikuports/kiln/internal/repo"
)

// Errors of path parsing: errBadPath is answered 400, errNoRoute 404.
var (
	errBadPath = errors.New("reposerve: bad path")
	errNoRoute = errors.New("reposerve: no such route")
)

// maxPathLen bounds the request path (after the prefix) that is parsed.
const maxPathLen = 1024

// maxPackageFileLen bounds a package file name (a single key segment).
const maxPackageFileLen = 255

// routeKind says what a request path names.
type routeKind int

const (
	routeRoot      routeKind = iota // <prefix>/
	routeBranch                     // <prefix>/<branch>
	routeTarget                     // <prefix>/<branch>/<arch>
	routeFile                       // <prefix>/<branch>/<arch>/<snapshot>/<file>
	routeBuildList                  // <prefix>/<branch>/<arch>/build-packages
	routeBuildFile                  // <prefix>/<branch>/<arch>/build-packages/<name>/<file>
)

// buildPackagesSeg is the segment below a target that holds its
// build-packages repositories (no snapshot id has this form: ids start
// with their creation time).
const buildPackagesSeg = "build-packages"

// snapshotCurrent is the snapshot segment that names the head.
const snapshotCurrent = "current"

// route is a parsed request path. Every field is checked: Branch and Arch
// are safe segments, Snapshot is "current" or a valid snapshot id, File
// is one of the repository files or a package file name (Package set)
// made of URL-safe characters.
type route struct {
	Kind     routeKind
	Branch   string
	Arch     string
	Snapshot string
	File     string // repo.FileRepo, … or "packages/<Package>"
	Package  string // the package file name for packages/<name>
	// Build names the build-packages repository (routeBuildFile); it is
	// a repo.ValidBuildPackagesName.
	Build string
}

// repoFiles are the files a snapshot serves besides its packages.
var repoFiles = map[string]bool{
	repo.FileRepo: true, repo.FileRepoInfo: true, repo.FileRepoSHA256: true,
	repo.FileRepoMinisig: true, repo.FilePackageList: true,
}

// parsePath parses rel, the escaped request path below the prefix without
// its leading slash (e.g. "master/x86_64/current/repo"). Segments are
// unescaped one by one, so an encoded slash stays inside its segment and
// is refused there; ".", ".." (also encoded), empty segments, control
// characters and backslashes are errBadPath; a well-formed path that
// names nothing is errNoRoute. It never touches a store.
func parsePath(rel string) (route, error) {
	if len(rel) > maxPathLen {
		return route{}, fmt.Errorf("%w: longer than %d bytes", errBadPath, maxPathLen)
	}
	if rel == "" {
		return route{Kind: routeRoot}, nil
	}
	raw := strings.Split(rel, "/")
	// One trailing slash is allowed on the listings (a directory style URL).
	if (len(raw) <= 3 || len(raw) == 4 && raw[2] == buildPackagesSeg) && raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1]
	}
	segs := raw // unescaped in place
	for i, s := range raw {
		u, err := unescapeSegment(s)
		if err != nil {
			return route{}, err
		}
		segs[i] = u
	}
	switch len(segs) {
	case 0:
		return route{Kind: routeRoot}, nil
	case 1:
		return route{Kind: routeBranch, Branch: segs[0]}, nil
	case 2:
		return route{Kind: routeTarget, Branch: segs[0], Arch: segs[1]}, nil
	}
	if segs[2] == buildPackagesSeg {
		return parseBuildPath(rel, segs)
	}
	rt := route{Kind: routeFile, Branch: segs[0], Arch: segs[1], Snapshot: segs[2]}
	if rt.Snapshot != snapshotCurrent && !repo.ValidSnapshotID(rt.Snapshot) {
		return route{}, fmt.Errorf("%w: bad snapshot id %q", errBadPath, rt.Snapshot)
	}
	switch {
	case len(segs) == 4 && repoFiles[segs[3]]:
		rt.File = segs[3]
	case len(segs) == 5 && segs[3] == "packages":
		if !validPackageFile(segs[4]) {
			return route{}, fmt.Errorf("%w: bad package file name %q", errBadPath, segs[4])
		}
		rt.Package = segs[4]
		rt.File = "packages/" + segs[4]
	default:
		return route{}, fmt.Errorf("%w: %q", errNoRoute, rel)
	}
	return rt, nil
}

// parseBuildPath parses the unescaped segments of a path below
// <branch>/<arch>/build-packages.
func parseBuildPath(rel string, segs []string) (route, error) {
	rt := route{Kind: routeBuildList, Branch: segs[0], Arch: segs[1]}
	if len(segs) == 3 {
		return rt, nil
	}
	if !repo.ValidBuildPackagesName(segs[3]) {
		return route{}, fmt.Errorf("%w: bad build-packages name %q", errBadPath, segs[3])
	}
	rt.Kind, rt.Build = routeBuildFile, segs[3]
	switch {
	case len(segs) == 5 && repoFiles[segs[4]]:
		rt.File = segs[4]
	case len(segs) == 6 && segs[4] == "packages":
		if !validPackageFile(segs[5]) {
			return route{}, fmt.Errorf("%w: bad package file name %q", errBadPath, segs[5])
		}
		rt.Package = segs[5]
		rt.File = "packages/" + segs[5]
	default:
		return route{}, fmt.Errorf("%w: %q", errNoRoute, rel)
	}
	return rt, nil
}

// unescapeSegment unescapes one path segment and refuses what could
// change the key it becomes part of.
func unescapeSegment(s string) (string, error) {
	u := s
	if strings.Contains(s, "%") {
		var err error
		if u, err = url.PathUnescape(s); err != nil {
			return "", fmt.Errorf("%w: bad escape in %q", errBadPath, s)
		}
	}
	if u == "" || u == "." || u == ".." {
		return "", fmt.Errorf("%w: empty, \".\" or \"..\" segment", errBadPath)
	}
	for _, c := range []byte(u) {
		if c < ' ' || c == 0x7f || c == '/' || c == '\\' {
			return "", fmt.Errorf("%w: segment %q holds a slash, backslash or control character", errBadPath, u)
		}
	}
	return u, nil
}

// packageFileChars are the characters of a canonical package file name
// <name>-<version>-<arch>.hpkg: repo.PackageNameChars, the version's
// letters, digits, '_', '.' and '~', and '-' between the parts.
const packageFileChars = repo.PackageNameChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZ~-"

// validPackageFile reports whether name can be a published package file
// (the manifest lookup decides whether it is one).
func validPackageFile(name string) bool {
	if len(name) > maxPackageFileLen || !strings.HasSuffix(name, ".hpkg") || len(name) == len(".hpkg") || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		if !strings.ContainsRune(packageFileChars, rune(c)) {
			return false
		}
	}
	return true
}
