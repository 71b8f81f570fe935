package buildertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// Run runs the conformance suite on the builders h makes, as subtests.
func Run(t *testing.T, h Harness) {
	s := &suite{h: h}
	t.Run("Status", s.status)
	t.Run("PrepareIdempotent", s.prepareIdempotent)
	t.Run("BuildSuccess", s.buildSuccess)
	t.Run("BuildFailure", s.buildFailure)
	t.Run("MissingOutput", s.missingOutput)
	t.Run("LogWhileRunning", s.logWhileRunning)
	t.Run("Cancel", s.cancel)
	t.Run("CancelledBeforeStart", s.cancelledBeforeStart)
	t.Run("CollectError", s.collectError)
	t.Run("LogWriteError", s.logWriteError)
	t.Run("DependencyMismatch", s.dependencyMismatch)
	t.Run("DependencyOpenError", s.dependencyOpenError)
	t.Run("Busy", s.busy)
	t.Run("Close", s.close)
}

type suite struct{ h Harness }

// notes records state changes.
type notes struct {
	mu  sync.Mutex
	all []builder.Status
}

func (n *notes) notify(name string, st builder.Status) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, st)
}

func (n *notes) states() []builder.State {
	n.mu.Lock()
	defer n.mu.Unlock()
	var s []builder.State
	for _, st := range n.all {
		s = append(s, st.State)
	}
	return s
}

// env is one builder under test, prepared.
type env struct {
	t     *testing.T
	s     *suite
	b     builder.Builder
	notes *notes
	arch  pkginfo.Architecture
}

func (s *suite) newBuilder(t *testing.T) *env {
	t.Helper()
	n := &notes{}
	b := s.h.New(t, n.notify)
	t.Cleanup(func() { b.Close() })
	tree := s.h.Tree(t)
	arch := pkginfo.Architecture(0)
	if tree.Settings.TargetArch != "" {
		a, err := pkginfo.ParseArchitecture(tree.Settings.TargetArch)
		if err != nil {
			t.Fatalf("harness tree: %v", err)
		}
		arch = a
	} else {
		arch, _ = pkginfo.ParseArchitecture("x86_64")
	}
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	if err := b.Prepare(ctx, tree); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return &env{t: t, s: s, b: b, notes: n, arch: arch}
}

// job is a build of port name producing outputs base and base_devel.
type job struct {
	builder.Job
	log   *logBuffer
	got   *collected
	deps  []dependency
	infos []*pkginfo.PackageInfo
}

func (e *env) job(name string, deps ...dependency) *job {
	t := e.t
	port := builder.Port{Name: name, Version: "1.2.3", Revision: "1",
		RecipeFilePath: "dev-test/" + name + "/" + name + "-1.2.3.recipe"}
	infos := []*pkginfo.PackageInfo{
		pkg(t, name, "1.2.3-1", e.arch, "haiku", "lib:libz"),
		pkg(t, name+"_devel", "1.2.3-1", e.arch, name+" == 1.2.3-1 base"),
	}
	infos[1].Requires[0].Base = true
	j := &job{log: &logBuffer{}, got: &collected{}, deps: deps, infos: infos}
	j.Job = builder.Job{
		Number:      time.Now().UnixNano() % 1e6,
		Port:        port,
		Log:         j.log,
		Collect:     j.got.collect,
		OutputInfos: map[string]*pkginfo.PackageInfo{},
	}
	for _, pi := range infos {
		j.Outputs = append(j.Outputs, pi.CanonicalFileName())
		j.OutputInfos[pi.CanonicalFileName()] = pi
	}
	for _, d := range deps {
		j.Dependencies = append(j.Dependencies, d.Dependency)
	}
	return j
}

func (e *env) deps(corrupt bool) []dependency {
	return []dependency{
		newDependency(e.t, pkg(e.t, "haiku", "r1~beta5_hrev58000-1", e.arch), false),
		newDependency(e.t, pkg(e.t, "zlib", "1.3.2-1", e.arch), corrupt),
	}
}

func (e *env) arrange(j *job, b Behaviour, produce []*pkginfo.PackageInfo) string {
	marker := fmt.Sprintf("buildertest marker: %s %s", j.Port.ID(), b)
	e.s.h.Arrange(e.t, Scenario{Port: j.Port, Behaviour: b, Produce: produce, Marker: marker})
	return marker
}

// build runs j in a goroutine; the result arrives on the channel.
func (e *env) build(ctx context.Context, j *job) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- e.b.Build(ctx, j.Job) }()
	return ch
}

// wait waits for a build's result.
func wait(t *testing.T, ch <-chan error, within time.Duration, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(within):
		t.Fatalf("%s: Build did not return within %v", what, within)
		return nil
	}
}
