package buildrun

import (
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

// RecordSchema is the version of the run and build records this package
// writes; readers reject higher ones.
const RecordSchema = 1

// RunState is the state of a run.
type RunState string

// Run states.
const (
	RunRunning   RunState = "running"   // builds are being scheduled
	RunComplete  RunState = "complete"  // every build finished and succeeded
	RunFailed    RunState = "failed"    // finished, with failed or lost builds, or held-back packages
	RunCancelled RunState = "cancelled" // cancelled by an operator
	RunError     RunState = "error"     // stopped by an error (Reason); Resume continues it
)

// Final reports whether a run in state s is over (Resume refuses it).
func (s RunState) Final() bool {
	return s == RunComplete || s == RunFailed || s == RunCancelled
}

// BuildState is the state of a build.
type BuildState string

// Build states.
const (
	BuildQueued    BuildState = "queued"    // ready, waiting for a builder
	BuildBlocked   BuildState = "blocked"   // waiting for packages built earlier in the run (Waiting)
	BuildRunning   BuildState = "running"   // on a builder (Builder)
	BuildSucceeded BuildState = "succeeded" // every output collected
	BuildFailed    BuildState = "failed"    // failed (Reason), after its retries
	BuildSkipped   BuildState = "skipped"   // not built (Reason), e.g. its outputs were published meanwhile
	BuildLost      BuildState = "lost"      // a dependency failed (LostChain)
	BuildCancelled BuildState = "cancelled" // cancelled by an operator
)

// Final reports whether a build in state s is over.
func (s BuildState) Final() bool {
	switch s {
	case BuildSucceeded, BuildFailed, BuildSkipped, BuildLost, BuildCancelled:
		return true
	}
	return false
}

// Trigger says why a run was started.
type Trigger struct {
	// Mode is the planner's mode: "update", "everything" or "ports".
	Mode string `json:"mode"`
	// From and To are the tree commits of an update.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Ports are the port specs of an explicit request.
	Ports []string `json:"ports,omitempty"`
	// By names who or what started the run ("loop", "webhook", a user).
	By string `json:"by,omitempty"`
}

// Tree is the ports tree a run builds from.
type Tree struct {
	OriginURL string `json:"originURL,omitempty"`
	Commit    string `json:"commit"`
}

// Skipped is a port the plan considered and does not build, with why
// (status.json's builds.skipped).
type Skipped struct {
	Port    PortRef  `json:"port"`
	State   string   `json:"state"` // the planner's state: blocked, broken, cycle, …
	Reason  string   `json:"reason"`
	Outputs []string `json:"outputs,omitempty"`
}

// PortRef names a port as HaikuPorter's records do.
type PortRef struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	Revision       string `json:"revision"`
	RevisionedName string `json:"revisionedName"` // name-version-revision
	RecipeFilePath string `json:"recipeFilePath"`
}

// ID is the port id, name-version.
func (p PortRef) ID() string { return p.Name + "-" + p.Version }

// Held is a package the run produced and did not publish, and why.
type Held struct {
	File   string `json:"file"`
	Port   string `json:"port"`
	Build  int64  `json:"build"`
	Reason string `json:"reason"`
}

// Run is the record of a run: .kiln/buildruns/<id>/run.json.
type Run struct {
	Schema  int      `json:"schema"`
	ID      string   `json:"id"`
	Target  string   `json:"target"` // branch/arch
	Trigger Trigger  `json:"trigger"`
	Tree    Tree     `json:"tree"`
	State   RunState `json:"state"`
	Reason  string   `json:"reason,omitempty"` // why the state (an error, "cancelled by …")
	// Builds are the numbers of the run's builds, in the plan's order.
	Builds  []int64   `json:"builds"`
	Skipped []Skipped `json:"skipped,omitempty"`
	// Publish is the publishing mode the run was started with.
	Publish PublishMode `json:"publish"`
	// Snapshots are the snapshots the run published, in order.
	Snapshots []string  `json:"snapshots,omitempty"`
	Held      []Held    `json:"held,omitempty"`
	Created   time.Time `json:"created"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	// Holder and Heartbeat name the kiln process driving the run and when
	// it last said so; Resume refuses a run another live process drives.
	Holder    string    `json:"holder,omitempty"`
	Heartbeat time.Time `json:"heartbeat,omitzero"`
}

// Attempt is one try of a build on a builder.
type Attempt struct {
	Builder string    `json:"builder"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// Result is "succeeded", "failed", "transient", "timeout", "hang",
	// "lost-builder", "cancelled" or "interrupted" (kiln stopped).
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Build is the record of a build: .kiln/buildruns/<id>/builds/<n>.json.
type Build struct {
	Schema int        `json:"schema"`
	Run    string     `json:"run"`
	Number int64      `json:"number"`
	Port   PortRef    `json:"port"`
	State  BuildState `json:"state"`
	Reason string     `json:"reason,omitempty"`
	// Outputs are the package files the build must produce.
	Outputs []string `json:"outputs"`
	// OutputInfos are the package infos the recipe gives the outputs
	// (builder.Job.OutputInfos), by file.
	OutputInfos map[string]*pkginfo.PackageInfo `json:"outputInfos,omitempty"`
	// Needs are the ports of the run that must be built first.
	Needs []string `json:"needs,omitempty"`
	// Uses are the existing package files the build needs (repository
	// and system packages), sorted.
	Uses []string `json:"uses,omitempty"`
	// Waiting are the ports of Needs not built yet (BuildBlocked).
	Waiting []string `json:"waiting,omitempty"`
	// LostChain is the failed port and the dependencies leading to this
	// one (BuildLost), e.g. [libfoo-1, libbar-2, this-3].
	LostChain []string  `json:"lostChain,omitempty"`
	Builder   string    `json:"builder,omitempty"` // current or last builder
	Attempts  []Attempt `json:"attempts,omitempty"`
	// Products are the packages the build produced, in the store under
	// current/packages/ (manifest entries, listed once published).
	Products []repo.Package `json:"products,omitempty"`
	// Published is the snapshot that first listed the build's packages.
	Published string    `json:"published,omitempty"`
	Queued    time.Time `json:"queued"`
	Started   time.Time `json:"started,omitzero"`
	Ended     time.Time `json:"ended,omitzero"`
}

// Duration is how long the last attempt ran (0 if none ended).
func (b *Build) Duration() time.Duration {
	if len(b.Attempts) == 0 {
		return 0
	}
	a := b.Attempts[len(b.Attempts)-1]
	if a.Ended.IsZero() {
		return 0
	}
	return a.Ended.Sub(a.Started)
}
