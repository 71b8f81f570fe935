package buildertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// The subtests about a running build: its log, cancellation, concurrent
// calls and Close.

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
