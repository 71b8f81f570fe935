// Package builder drives the machines that build ports: a small Builder
// interface, optional capabilities found by type assertion, and the
// implementations (ssh: an unmodified Haiku builder driven as HaikuPorter's
// RemoteBuilderSSH does; mock: a simulated builder producing real .hpkg
// files; ondemand: a decorator that starts and stops a builder). One
// conformance suite (buildertest) runs against every implementation.
//
// A Builder runs one build at a time; the build run (internal/buildrun)
// decides which build goes to which builder.
package builder

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Sentinel errors. Implementations wrap them so callers test with errors.Is.
var (
	// ErrBuildFailed: the build itself failed (haikuporter exited non-zero,
	// an expected package was not produced). Retrying on the same builder
	// is not expected to help.
	ErrBuildFailed = errors.New("builder: build failed")
	// ErrTransient: the builder or the connection to it failed (connection
	// lost, I/O error, builder restarted). The build did not fail on its
	// own merits and may be retried, here or elsewhere.
	ErrTransient = errors.New("builder: transient failure")
	// ErrUnavailable: the builder cannot be used at all (host key refused,
	// authentication failed, too many connection errors, stopped). Builds
	// are not given to it until its Status says otherwise.
	ErrUnavailable = errors.New("builder: unavailable")
	// ErrBusy: Build or Prepare was called while another build runs.
	ErrBusy = errors.New("builder: busy")
)

// Tree is the ports tree commit and build settings a builder builds from.
// On a Haiku builder they become `git fetch && git checkout <Commit>` and
// builder.conf.
type Tree struct {
	OriginURL string // where the builder clones the tree from if it lacks it
	Commit    string // full commit id
	Settings  Settings
}

// Settings are the builder.conf values (HaikuPorter's names in comments).
type Settings struct {
	TargetArch           string   // TARGET_ARCHITECTURE
	SecondaryArchs       []string // SECONDARY_TARGET_ARCHITECTURES
	AllowUntested        bool     // ALLOW_UNTESTED
	AllowUnsafeSources   bool     // ALLOW_UNSAFE_SOURCES
	CreateSourcePackages bool     // CREATE_SOURCE_PACKAGES
}

// Port names the port a job builds.
type Port struct {
	Name           string // e.g. "zlib"
	Version        string // e.g. "1.3.2"
	Revision       string // e.g. "1"
	RecipeFilePath string // relative to the tree, e.g. "sys-libs/zlib/zlib-1.3.2.recipe"
}

// ID is name-version, what haikuporter is called with.
func (p Port) ID() string { return p.Name + "-" + p.Version }

// Dependency is a package file the build needs in the builder's packages/
// (published packages, packages produced earlier in the run, system
// packages).
type Dependency struct {
	File   string // canonical file name, e.g. "zlib-1.3.2-1-x86_64.hpkg"
	Size   int64
	SHA256 string
	// Open streams the package from the store. It may be called more than
	// once (a retried upload) and never concurrently for one Dependency.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// URL, when not empty, is a presigned URL the builder may download the
	// package from itself (builders with the URLFetcher capability).
	URL string
}

// Job is one build.
type Job struct {
	Number       int64 // the target's global build number
	Port         Port
	Dependencies []Dependency
	// Outputs are the package files the build is expected to produce; each
	// one is handed to Collect. A missing output is ErrBuildFailed.
	Outputs []string
	// OutputInfos, when set, holds the package info each output is
	// expected to carry (from the recipe: name, version, architecture,
	// provides, requires, summary), keyed by output file name; see
	// OutputInfos. Builders that really build ignore it (haikuporter
	// computes the same from the recipe); the mock builder produces its
	// packages from it.
	OutputInfos map[string]*pkginfo.PackageInfo
	// Log receives the build log as it is produced (haikuporter's merged
	// stdout/stderr and the master's own lines, e.g. "running command: …").
	// Writes are sequential; a Write error aborts the build.
	Log io.Writer
	// Collect receives each produced package as a stream, in Outputs order,
	// while the builder's connection is open. r yields exactly size bytes;
	// Collect must consume it before returning. A Collect error ends the
	// build with that error (wrapped).
	Collect func(ctx context.Context, file string, r io.Reader, size int64) error
}

// Builder is one build machine.
//
// Prepare and Build are never called concurrently on one Builder (the
// caller serialises them; an implementation may return ErrBusy). Status,
// Name and Close are safe to call at any time from any goroutine.
//
// When ctx is cancelled, Build stops the build on the machine (it is killed
// there, not left running) and returns an error wrapping context.Cause(ctx).
// Close while a build runs ends that build the same way (its Build returns
// an error promptly); Prepare and Build after Close return ErrUnavailable.
// Close is idempotent.
//
// The conformance suite internal/builder/buildertest checks this contract.
type Builder interface {
	// Name is the builder's configured name.
	Name() string
	// Prepare brings the builder to tree (clone if missing, fetch and check
	// out the commit, write its settings). It is idempotent; Build calls
	// it again itself after a reconnect.
	Prepare(ctx context.Context, tree Tree) error
	// Build runs job and returns nil when every output was collected.
	// Errors wrap ErrBuildFailed, ErrTransient or ErrUnavailable.
	Build(ctx context.Context, job Job) error
	// Status is the builder's current state, without I/O.
	Status() Status
	// Close releases connections; the Builder is unusable afterwards.
	Close() error
}

// State is a builder's state. The first four are HaikuPorter's.
type State string

// Builder states.
const (
	StateAvailable    State = "available"     // connected, can build
	StateReconnecting State = "reconnecting"  // connection lost, retrying with backoff
	StateNotAvailable State = "not-available" // not connected yet (connects on first use)
	StateLost         State = "lost"          // given up: too many errors, or refused (see Reason)
	StateStopped      State = "stopped"       // an on-demand builder that is switched off
	StateStarting     State = "starting"      // an on-demand builder being started
	StateDisabled     State = "disabled"      // taken out of service by an operator
)

// Usable reports whether builds may be given to a builder in state s
// (a stopped on-demand builder is started by its wrapper when it gets one).
func (s State) Usable() bool {
	switch s {
	case StateAvailable, StateNotAvailable, StateReconnecting, StateStopped, StateStarting:
		return true
	}
	return false
}

// Status describes a builder's state.
type Status struct {
	State               State     `json:"state"`
	Reason              string    `json:"reason,omitempty"` // why, for lost/reconnecting/disabled
	Since               time.Time `json:"since"`
	ConnectionErrors    int       `json:"connectionErrors"`
	MaxConnectionErrors int       `json:"maxConnectionErrors"`
}

// Capabilities, found by type assertion.

// Cacher is implemented by builders that keep packages between builds (the
// packages/.cache of a Haiku builder); the scheduler prefers a builder that
// already has a build's dependencies.
type Cacher interface {
	// CachedPackages returns the package files in the builder's cache,
	// sorted. No I/O.
	CachedPackages() []string
}

// URLFetcher is implemented by builders that can download dependencies
// from Dependency.URL themselves, so the master never moves their bytes.
type URLFetcher interface {
	FetchesURLs() bool
}

// Disconnecter is implemented by builders that can drop their connections
// without becoming unusable: the next Prepare or Build connects again, and
// no reconnection is attempted in between. The on-demand decorator calls it
// before it stops the machine, so a stopped builder does not count
// connection errors.
type Disconnecter interface {
	Disconnect() error
}

// Checker is implemented by builders that can report on themselves
// (`kiln builder check`).
type Checker interface {
	Check(ctx context.Context) (CheckReport, error)
}

// CheckReport is what Check found.
type CheckReport struct {
	Name          string `json:"name"`
	HostKey       string `json:"hostKey,omitempty"` // fingerprint verified against known_hosts
	Uname         string `json:"uname,omitempty"`
	Haikuporter   string `json:"haikuporter,omitempty"` // `haikuporter --version`
	CachePackages int    `json:"cachePackages"`
	CacheBytes    int64  `json:"cacheBytes"`
}

// Notifier receives builder state changes; implementations call it from
// their own goroutines, never while holding a lock, and it must not block.
type Notifier func(name string, st Status)
