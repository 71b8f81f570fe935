package buildertest

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// The subtests about what a build produces and how it fails.

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
