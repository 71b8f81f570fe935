package toggle

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
	"github.com/haikuports/kiln/internal/builder/mock"
)

// harness runs the conformance suite on toggled mock builders; with
// cycle, each builder is disabled when made and enabled again before
// the suite gets it.
type harness struct {
	cycle bool
	sw    *Switch

	mu        sync.Mutex
	mocks     map[builder.Builder]*mock.Builder
	overrides map[string]mock.Override
}

func newHarness(cycle bool) *harness {
	return &harness{cycle: cycle, sw: NewSwitch(), mocks: map[builder.Builder]*mock.Builder{}, overrides: map[string]mock.Override{}}
}

func (h *harness) New(t *testing.T, notify builder.Notifier) builder.Builder {
	m, err := mock.New(mock.Config{Name: "tg-" + t.Name(), Notify: notify})
	if err != nil {
		t.Fatal(err)
	}
	b := Wrap(m, h.sw)
	if h.cycle {
		h.sw.Disable(b.Name(), Off{Reason: "maintenance"})
		if st := b.Status(); st.State != builder.StateDisabled {
			t.Fatalf("disabled: %+v", st)
		}
		h.sw.Enable(b.Name())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, o := range h.overrides {
		m.Set(k, o)
	}
	h.mocks[b] = m
	return b
}

func (h *harness) Tree(t *testing.T) builder.Tree {
	return builder.Tree{OriginURL: "https://github.com/haikuports/haikuports.git",
		Commit: "785d8af0c5a1e6b44b7d9a5b5e5a3c1d2e3f4a5b", Settings: builder.Settings{TargetArch: "x86_64"}}
}

func (h *harness) Arrange(t *testing.T, s buildertest.Scenario) {
	o := mock.Override{Lines: []string{s.Marker}}
	switch s.Behaviour {
	case buildertest.Succeed:
		o.Result = mock.ResultSucceed
		o.Produce = []string{}
		for _, p := range s.Produce {
			o.Produce = append(o.Produce, p.CanonicalFileName())
		}
	case buildertest.Fail:
		o.Result = mock.ResultFail
	case buildertest.Hang:
		o.Result = mock.ResultHang
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.overrides[s.Port.ID()] = o
	for _, m := range h.mocks {
		m.Set(s.Port.ID(), o)
	}
}

func (h *harness) inner(b builder.Builder) *mock.Builder {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mocks[b]
}

func (h *harness) Staged(t *testing.T, b builder.Builder, port builder.Port) map[string]string {
	hist := h.inner(b).History()
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Port == port {
			return hist[i].Staged
		}
	}
	return nil
}

func (h *harness) Running(t *testing.T, b builder.Builder, port builder.Port) bool {
	p, ok := h.inner(b).Running()
	return ok && p == port
}

// TestConformance: an enabled toggle is its builder, and so is one that
// was disabled and enabled again.
func TestConformance(t *testing.T) {
	t.Run("enabled", func(t *testing.T) { buildertest.Run(t, newHarness(false)) })
	t.Run("reenabled", func(t *testing.T) { buildertest.Run(t, newHarness(true)) })
}

var tree = builder.Tree{Commit: "785d8af0c5a1e6b44b7d9a5b5e5a3c1d2e3f4a5b", Settings: builder.Settings{TargetArch: "x86_64"}}

type collector struct {
	mu    sync.Mutex
	files []string
}

func (c *collector) collect(ctx context.Context, file string, r io.Reader, size int64) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files = append(c.files, file)
	return nil
}

func job(name string, c *collector, log io.Writer) builder.Job {
	return builder.Job{Number: 1,
		Port:    builder.Port{Name: name, Version: "1.0", Revision: "1", RecipeFilePath: "dev-test/" + name + "/" + name + "-1.0.recipe"},
		Outputs: []string{name + "-1.0-1-x86_64.hpkg"}, Log: log, Collect: c.collect}
}

// TestDisabled: a disabled builder says so with the reason and since
// when, refuses Prepare and Build with ErrUnavailable without touching
// the machine, and works again once enabled; a build running when it is
// disabled runs to its end.
func TestDisabled(t *testing.T) {
	ctx := context.Background()
	sw := NewSwitch()
	m, err := mock.New(mock.Config{Name: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	b := Wrap(m, sw)
	defer b.Close()
	since := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		off    Off
		reason string
	}{
		{Off{Reason: "disk replaced", By: "api:admin-bot", Time: since}, "disk replaced"},
		{Off{By: "api:admin-bot", Time: since}, "disabled by api:admin-bot"},
		{Off{Time: since}, "disabled"},
	} {
		sw.Disable("m1", tc.off)
		st := b.Status()
		if st.State != builder.StateDisabled || st.Reason != tc.reason || !st.Since.Equal(since) || st.State.Usable() {
			t.Errorf("%+v: status %+v, want disabled (%q) since %v", tc.off, st, tc.reason, since)
		}
		if err := b.Prepare(ctx, tree); !errors.Is(err, builder.ErrUnavailable) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("Prepare while disabled: %v", err)
		}
		var c collector
		if err := b.Build(ctx, job("kt", &c, io.Discard)); !errors.Is(err, builder.ErrUnavailable) {
			t.Errorf("Build while disabled: %v", err)
		}
	}
	if h := m.History(); len(h) != 0 {
		t.Errorf("the machine built while disabled: %+v", h)
	}
	if !sw.Enable("m1") || sw.Enable("m1") {
		t.Error("Enable does not report the change")
	}
	if err := b.Prepare(ctx, tree); err != nil {
		t.Fatal(err)
	}
	if st := b.Status(); st.State != builder.StateAvailable {
		t.Errorf("enabled again: %+v", st)
	}

	// Disabled while a build runs: the build ends normally, the next is
	// refused.
	d := 300 * time.Millisecond
	m.Set("slow-1.0", mock.Override{Result: mock.ResultSucceed, Duration: &d, Lines: []string{"building slowly"}})
	var c collector
	var log bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- b.Build(ctx, job("slow", &c, &log)) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, ok := m.Running(); ok && p.Name == "slow" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow build did not start")
		}
		time.Sleep(time.Millisecond)
	}
	sw.Disable("m1", Off{Reason: "going away"})
	if st := b.Status(); st.State != builder.StateDisabled {
		t.Errorf("while the build runs: %+v", st)
	}
	if err := <-done; err != nil {
		t.Fatalf("the running build: %v\n%s", err, log.String())
	}
	if !slices.Equal(c.files, []string{"slow-1.0-1-x86_64.hpkg"}) {
		t.Errorf("collected %v", c.files)
	}
	if err := b.Build(ctx, job("slow", &c, io.Discard)); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("the next build: %v", err)
	}
}

// bare is a builder without capabilities.
type bare struct{ builder.Builder }

// TestCapabilities: the inner builder's capabilities pass through; a
// builder without them has none.
func TestCapabilities(t *testing.T) {
	ctx := context.Background()
	m, err := mock.New(mock.Config{Name: "m1", FetchURLs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sw := NewSwitch()
	b := Wrap(m, sw)
	sw.Disable("m1", Off{Reason: "checked while disabled"})
	if !b.FetchesURLs() {
		t.Error("FetchesURLs not passed through")
	}
	if rep, err := b.Check(ctx); err != nil || rep.Name != "m1" {
		t.Errorf("Check of a disabled builder: %+v %v", rep, err)
	}
	if err := b.Disconnect(); err != nil {
		t.Errorf("Disconnect: %v", err)
	}
	if !slices.Equal(b.CachedPackages(), m.CachedPackages()) {
		t.Errorf("CachedPackages %v, inner %v", b.CachedPackages(), m.CachedPackages())
	}
	nb := Wrap(bare{m}, sw)
	if nb.FetchesURLs() || nb.CachedPackages() != nil {
		t.Error("capabilities of a builder without them")
	}
	if _, err := nb.Check(ctx); err == nil {
		t.Error("Check of a builder that cannot be checked succeeded")
	}
	if err := nb.Disconnect(); err == nil {
		t.Error("Disconnect of a builder that cannot disconnect succeeded")
	}
}

func TestSwitchReplace(t *testing.T) {
	sw := NewSwitch()
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	sw.Disable("a", Off{Reason: "x", Time: at})
	sw.Disable("b", Off{Reason: "y", Time: at})
	changed := sw.Replace(map[string]Off{"b": {Reason: "z", Time: at}, "c": {Time: at}})
	slices.Sort(changed)
	if !slices.Equal(changed, []string{"a", "b", "c"}) {
		t.Errorf("changed %v", changed)
	}
	if _, off := sw.Disabled("a"); off {
		t.Error("a still disabled")
	}
	if got := sw.Replace(sw.All()); len(got) != 0 {
		t.Errorf("replacing with the same state changed %v", got)
	}
	if got := sw.Replace(nil); len(got) != 2 || len(sw.All()) != 0 {
		t.Errorf("replace with nothing: %v, left %v", got, sw.All())
	}
}
