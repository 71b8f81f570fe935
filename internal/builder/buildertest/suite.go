package buildertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
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

func waitSeen(t *testing.T, j *job, marker string, within time.Duration) {
	t.Helper()
	select {
	case <-j.log.seen(marker):
	case <-time.After(within):
		t.Fatalf("no line %q reached the log within %v while the build ran; log so far:\n%s", marker, within, j.log.String())
	}
}

func (s *suite) status(t *testing.T) {
	n := &notes{}
	b := s.h.New(t, n.notify)
	defer b.Close()
	if b.Name() == "" {
		t.Error("Name is empty")
	}
	st := b.Status()
	if !st.State.Usable() || st.Since.IsZero() {
		t.Errorf("a new builder is %+v, want a usable state with a Since", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	if err := b.Prepare(ctx, s.h.Tree(t)); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	// An on-demand builder may stay stopped until it gets a build.
	if st = b.Status(); !st.State.Usable() {
		t.Errorf("after Prepare: %+v, want a usable state", st)
	}
	e := &env{t: t, s: s, b: b, notes: n}
	e.arch, _ = pkginfo.ParseArchitecture("x86_64")
	if a := s.h.Tree(t).Settings.TargetArch; a != "" {
		e.arch, _ = pkginfo.ParseArchitecture(a)
	}
	j := e.job("ktstatus")
	e.arrange(j, Succeed, j.infos)
	if err := b.Build(ctx, j.Job); err != nil {
		t.Fatalf("Build: %v", err)
	}
	if st = b.Status(); st.State != builder.StateAvailable {
		t.Errorf("after a successful build: %+v, want available", st)
	}
	if got := n.states(); !slices.Contains(got, builder.StateAvailable) {
		t.Errorf("notified states %v, want available among them", got)
	}
}

func (s *suite) prepareIdempotent(t *testing.T) {
	e := s.newBuilder(t)
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	for i := 0; i < 2; i++ {
		if err := e.b.Prepare(ctx, s.h.Tree(t)); err != nil {
			t.Fatalf("Prepare again (%d): %v", i+2, err)
		}
	}
	if st := e.b.Status(); !st.State.Usable() {
		t.Errorf("after three Prepares: %+v", st)
	}
}

func (s *suite) buildSuccess(t *testing.T) {
	e := s.newBuilder(t)
	deps := e.deps(false)
	for round := 1; round <= 2; round++ { // the second build reuses the machine's state
		j := e.job("ktsuccess", deps...)
		marker := e.arrange(j, Succeed, j.infos)
		ctx, cancel := context.WithTimeout(context.Background(), Slow)
		err := e.b.Build(ctx, j.Job)
		cancel()
		if err != nil {
			t.Fatalf("build %d: %v\nlog:\n%s", round, err, j.log.String())
		}
		if got := j.got.names(); !slices.Equal(got, j.Outputs) {
			t.Errorf("build %d: collected %v, want %v in that order", round, got, j.Outputs)
		}
		for i, f := range j.Outputs {
			checkPackage(t, f, j.got.data[f], j.infos[i])
		}
		if !strings.Contains(j.log.String(), marker) {
			t.Errorf("build %d: the log lacks the build's output %q:\n%s", round, marker, j.log.String())
		}
		want := map[string]string{}
		for _, d := range deps {
			want[d.File] = d.SHA256
		}
		if got := s.h.Staged(t, e.b, j.Port); !maps.Equal(got, want) {
			t.Errorf("build %d: the build saw dependencies %v, want %v", round, got, want)
		}
		if c, ok := e.b.(builder.Cacher); ok {
			cache := c.CachedPackages()
			if !slices.IsSorted(cache) {
				t.Errorf("CachedPackages not sorted: %v", cache)
			}
			for _, f := range append(slices.Collect(maps.Keys(want)), j.Outputs...) {
				if !slices.Contains(cache, f) {
					t.Errorf("build %d: %s not in the builder's cache %v", round, f, cache)
				}
			}
		}
		if st := e.b.Status(); st.State != builder.StateAvailable {
			t.Errorf("build %d: after a successful build: %+v", round, st)
		}
	}
	for _, d := range deps {
		if d.Opens() < 1 {
			t.Errorf("dependency %s was never opened", d.File)
		}
	}
}

func (s *suite) buildFailure(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktfail", e.deps(false)...)
	marker := e.arrange(j, Fail, nil)
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	err := e.b.Build(ctx, j.Job)
	if !errors.Is(err, builder.ErrBuildFailed) {
		t.Fatalf("Build = %v, want ErrBuildFailed", err)
	}
	if got := j.got.names(); len(got) != 0 {
		t.Errorf("a failed build collected %v", got)
	}
	if !strings.Contains(j.log.String(), marker) {
		t.Errorf("the log lacks the build's output %q:\n%s", marker, j.log.String())
	}
	if st := e.b.Status(); !st.State.Usable() {
		t.Errorf("after a failed build the builder is %+v", st)
	}
	// The builder builds again after a failure.
	j2 := e.job("ktafterfail", e.deps(false)...)
	e.arrange(j2, Succeed, j2.infos)
	if err := e.b.Build(ctx, j2.Job); err != nil {
		t.Errorf("build after a failure: %v", err)
	}
}

func (s *suite) missingOutput(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktmissing")
	e.arrange(j, Succeed, j.infos[:1])
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	err := e.b.Build(ctx, j.Job)
	if !errors.Is(err, builder.ErrBuildFailed) {
		t.Fatalf("Build with output %s not produced = %v, want ErrBuildFailed", j.Outputs[1], err)
	}
	if slices.Contains(j.got.names(), j.Outputs[1]) {
		t.Errorf("collected the missing output %s", j.Outputs[1])
	}
}

// hang starts a hanging build and waits until its marker is in the log.
func (e *env) hang(name string) (*job, <-chan error, context.CancelCauseFunc) {
	j := e.job(name, e.deps(false)...)
	marker := e.arrange(j, Hang, nil)
	ctx, cancel := context.WithCancelCause(context.Background())
	e.t.Cleanup(func() { cancel(nil) })
	ch := e.build(ctx, j)
	select {
	case err := <-ch:
		e.t.Fatalf("a hanging build returned: %v\nlog:\n%s", err, j.log.String())
	case <-j.log.seen(marker):
	case <-time.After(Slow):
		e.t.Fatalf("no line %q reached the log within %v while the build ran; log so far:\n%s", marker, Slow, j.log.String())
	}
	return j, ch, cancel
}

func (s *suite) logWhileRunning(t *testing.T) {
	e := s.newBuilder(t)
	j, ch, cancel := e.hang("ktlog")
	// The build is still running: the line came while it ran.
	select {
	case err := <-ch:
		t.Fatalf("hanging build returned %v", err)
	default:
	}
	if !s.h.Running(t, e.b, j.Port) {
		t.Error("the harness says the hanging build does not run")
	}
	cancel(errors.New("done"))
	wait(t, ch, Prompt, "cancelled hang")
}

func (s *suite) cancel(t *testing.T) {
	e := s.newBuilder(t)
	j, ch, cancel := e.hang("kthang")
	cause := errors.New("buildertest: no output for too long")
	start := time.Now()
	cancel(cause)
	err := wait(t, ch, Prompt, "cancelled build")
	if !errors.Is(err, cause) {
		t.Errorf("cancelled Build = %v, want an error wrapping the cause", err)
	}
	t.Logf("cancelled build returned after %v", time.Since(start))
	deadline := time.Now().Add(Prompt)
	for s.h.Running(t, e.b, j.Port) {
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled build still runs on the machine after %v", Prompt)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(j.got.names()) != 0 {
		t.Errorf("a cancelled build collected %v", j.got.names())
	}
	// The builder is usable afterwards.
	j2 := e.job("ktaftercancel")
	e.arrange(j2, Succeed, j2.infos)
	ctx, c2 := context.WithTimeout(context.Background(), Slow)
	defer c2()
	if err := e.b.Build(ctx, j2.Job); err != nil {
		t.Errorf("build after a cancelled one: %v", err)
	}
}

func (s *suite) cancelledBeforeStart(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktprecancel")
	e.arrange(j, Succeed, j.infos)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("buildertest: run cancelled")
	cancel(cause)
	err := wait(t, e.build(ctx, j), Prompt, "build with a cancelled context")
	if !errors.Is(err, cause) {
		t.Errorf("Build with a cancelled context = %v, want an error wrapping the cause", err)
	}
	if len(j.got.names()) != 0 {
		t.Errorf("collected %v", j.got.names())
	}
}

func (s *suite) collectError(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktcollect")
	e.arrange(j, Succeed, j.infos)
	j.got.err = errCollect
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	err := e.b.Build(ctx, j.Job)
	if !errors.Is(err, errCollect) {
		t.Errorf("Build whose Collect fails = %v, want it to wrap %v", err, errCollect)
	}
	if got := j.got.names(); len(got) != 1 {
		t.Errorf("Collect called for %v, want only the first output", got)
	}
}

func (s *suite) logWriteError(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktlogerr")
	e.arrange(j, Succeed, j.infos)
	j.log.fail = errLog
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	err := wait(t, e.build(ctx, j), Slow, "build with a failing log")
	if !errors.Is(err, errLog) {
		t.Errorf("Build whose log fails = %v, want it to wrap %v", err, errLog)
	}
}

func (s *suite) dependencyMismatch(t *testing.T) {
	e := s.newBuilder(t)
	j := e.job("ktcorrupt", e.deps(true)...)
	e.arrange(j, Succeed, j.infos)
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	if err := e.b.Build(ctx, j.Job); err == nil {
		t.Errorf("Build with a dependency whose SHA-256 does not match succeeded")
	}
	if got := j.got.names(); len(got) != 0 {
		t.Errorf("collected %v", got)
	}
}

func (s *suite) dependencyOpenError(t *testing.T) {
	e := s.newBuilder(t)
	deps := e.deps(false)
	deps[1].Open = func(context.Context) (io.ReadCloser, error) { return nil, errOpen }
	j := e.job("ktopenerr", deps...)
	e.arrange(j, Succeed, j.infos)
	ctx, cancel := context.WithTimeout(context.Background(), Slow)
	defer cancel()
	if err := e.b.Build(ctx, j.Job); !errors.Is(err, errOpen) {
		t.Errorf("Build with a dependency that cannot be opened = %v, want it to wrap %v", err, errOpen)
	}
}

func (s *suite) busy(t *testing.T) {
	e := s.newBuilder(t)
	_, ch, cancel := e.hang("ktbusy")
	j2 := e.job("ktsecond")
	e.arrange(j2, Succeed, j2.infos)
	ctx, c2 := context.WithTimeout(context.Background(), Slow)
	defer c2()
	ch2 := e.build(ctx, j2)
	prep := make(chan error, 1)
	go func() { prep <- e.b.Prepare(ctx, s.h.Tree(t)) }()
	serialised := 0
	for _, c := range []struct {
		what string
		ch   <-chan error
	}{{"Build", ch2}, {"Prepare", prep}} {
		select {
		case err := <-c.ch:
			if !errors.Is(err, builder.ErrBusy) {
				t.Errorf("%s during a build = %v, want ErrBusy (or to wait)", c.what, err)
			}
		case <-time.After(time.Second):
			serialised++ // it waits for the running build: allowed
		}
	}
	cancel(errors.New("done"))
	wait(t, ch, Prompt, "cancelled hang")
	if serialised > 0 {
		t.Logf("%d calls waited for the running build", serialised)
	}
	// A serialising implementation now runs the waiting calls.
	c2()
}

func (s *suite) close(t *testing.T) {
	e := s.newBuilder(t)
	_, ch, _ := e.hang("ktclose")
	if err := e.b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := wait(t, ch, Prompt, "build of a closed builder"); err == nil {
		t.Error("the build of a closed builder succeeded")
	}
	j := e.job("ktafterclose")
	e.arrange(j, Succeed, j.infos)
	ctx, cancel := context.WithTimeout(context.Background(), Prompt)
	defer cancel()
	if err := e.b.Build(ctx, j.Job); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("Build after Close = %v, want ErrUnavailable", err)
	}
	if err := e.b.Prepare(ctx, s.h.Tree(t)); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("Prepare after Close = %v, want ErrUnavailable", err)
	}
	if err := e.b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
