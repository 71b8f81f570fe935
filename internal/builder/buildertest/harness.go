// Package buildertest is the conformance suite of builder.Builder: Run
// checks an implementation against the contract documented in package
// builder. Every implementation runs it (mock directly, ondemand around a
// mock, ssh against a real OpenSSH server whose haikuporter is a script).
//
// An implementation provides a Harness: it makes fresh builders and
// arranges what the builds of a port do (succeed producing given packages,
// fail, hang) on its "machine", and reports what the machine saw.
package buildertest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// Behaviour is what an arranged build does.
type Behaviour int

// Behaviours.
const (
	// Succeed: the build prints Marker, writes the Produce packages to its
	// packages directory and exits 0.
	Succeed Behaviour = iota
	// Fail: the build prints Marker and exits 1 (ErrBuildFailed).
	Fail
	// Hang: the build prints Marker and then nothing, and never ends until
	// it is killed.
	Hang
)

func (b Behaviour) String() string {
	switch b {
	case Succeed:
		return "succeed"
	case Fail:
		return "fail"
	case Hang:
		return "hang"
	}
	return "?"
}

// Scenario is what the builds of one port do, arranged before the build.
type Scenario struct {
	Port      builder.Port
	Behaviour Behaviour
	// Produce are the packages a succeeding build writes; each named by
	// its CanonicalFileName. A harness that writes files itself can use
	// WritePackage. Outputs of the job that are not among them are
	// missing (the build must then fail with ErrBuildFailed).
	Produce []*pkginfo.PackageInfo
	// Marker is a line the build prints to its output (haikuporter's
	// output, not the master's own lines) while it runs, before it ends
	// or hangs.
	Marker string
}

// Harness adapts an implementation to the suite.
type Harness interface {
	// New returns a fresh builder that reports its state changes to notify.
	// The suite closes it; the harness cleans up the rest with t.Cleanup.
	New(t *testing.T, notify builder.Notifier) builder.Builder
	// Tree is what the suite prepares builders with.
	Tree(t *testing.T) builder.Tree
	// Arrange makes the following builds of s.Port on every builder of
	// this harness behave as s says.
	Arrange(t *testing.T, s Scenario)
	// Staged returns the dependency packages the last build of port on b
	// found in its packages directory, file name to SHA-256 (hex).
	Staged(t *testing.T, b builder.Builder, port builder.Port) map[string]string
	// Running reports whether a build of port still runs on b's machine.
	Running(t *testing.T, b builder.Builder, port builder.Port) bool
}

// Timeouts of the suite: a build that should end quickly must end within
// Prompt (cancelled, closed); anything else within Slow.
var (
	Prompt = 10 * time.Second
	Slow   = 60 * time.Second
)

// WritePackage writes a small, valid package file for info (a data file
// and the .PackageInfo), as a build would produce it. Fields Haiku
// requires that info leaves empty (summary, description, vendor, packager,
// copyrights, licenses, provides) are filled in a copy.
func WritePackage(w io.Writer, info *pkginfo.PackageInfo) error {
	pi := complete(info)
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	text := "built for the builder conformance suite: " + pi.CanonicalFileName() + "\n"
	root := []*hpkg.Entry{{
		Name: "data", Type: hpkg.FileDirectory, Perm: 0o755, MTime: t, ATime: t, CrTime: t,
		Children: []*hpkg.Entry{{
			Name: pi.Name + ".txt", Type: hpkg.FileRegular, Perm: 0o644, MTime: t, ATime: t, CrTime: t,
			Size: int64(len(text)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil },
		}},
	}}
	return hpkg.WritePackage(w, pi, root, hpkg.WriteOptions{})
}

func complete(info *pkginfo.PackageInfo) *pkginfo.PackageInfo {
	pi := *info
	if pi.Summary == "" {
		pi.Summary = "The " + pi.Name + " test package"
	}
	if pi.Description == "" {
		pi.Description = pi.Summary
	}
	if pi.Vendor == "" {
		pi.Vendor = "Haiku Project"
	}
	if pi.Packager == "" {
		pi.Packager = "kiln buildertest <hpkg-builder@haiku-os.org>"
	}
	if len(pi.Copyrights) == 0 {
		pi.Copyrights = []string{"2026 kiln"}
	}
	if len(pi.Licenses) == 0 {
		pi.Licenses = []string{"MIT"}
	}
	if len(pi.Provides) == 0 {
		pi.Provides = []pkginfo.Resolvable{{Name: pi.Name, Version: pi.Version}}
	}
	return &pi
}

// packageBytes is WritePackage into memory.
func packageBytes(t *testing.T, info *pkginfo.PackageInfo) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WritePackage(&b, info); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
