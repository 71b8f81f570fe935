package mock

import (
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
)

// harness runs the conformance suite on mock builders.
type harness struct {
	cfg  Config
	wrap func(*Builder) builder.Builder // nil: the mock itself

	mu        sync.Mutex
	builders  []*Builder
	overrides map[string]Override
}

func newHarness(cfg Config) *harness { return &harness{cfg: cfg, overrides: map[string]Override{}} }

func (h *harness) New(t *testing.T, notify builder.Notifier) builder.Builder {
	cfg := h.cfg
	cfg.Name = "mock-" + t.Name()
	cfg.Notify = notify
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, o := range h.overrides {
		b.Set(k, o)
	}
	h.builders = append(h.builders, b)
	if h.wrap != nil {
		return h.wrap(b)
	}
	return b
}

func (h *harness) Tree(t *testing.T) builder.Tree {
	return builder.Tree{OriginURL: "https://github.com/haikuports/haikuports.git",
		Commit: "785d8af0c5a1e6b44b7d9a5b5e5a3c1d2e3f4a5b", Settings: builder.Settings{TargetArch: "x86_64"}}
}

// scenarioOverride is the mock override that makes a build do what s says.
func scenarioOverride(s buildertest.Scenario) Override {
	o := Override{Lines: []string{s.Marker}}
	switch s.Behaviour {
	case buildertest.Succeed:
		o.Result = ResultSucceed
		o.Produce = []string{}
		for _, p := range s.Produce {
			o.Produce = append(o.Produce, p.CanonicalFileName())
		}
	case buildertest.Fail:
		o.Result = ResultFail
	case buildertest.Hang:
		o.Result = ResultHang
	}
	return o
}

func (h *harness) Arrange(t *testing.T, s buildertest.Scenario) {
	o := scenarioOverride(s)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.overrides[s.Port.ID()] = o
	for _, b := range h.builders {
		if err := b.Set(s.Port.ID(), o); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *harness) mock(t *testing.T, b builder.Builder) *Builder {
	if br, ok := b.(*broken); ok {
		return br.Builder
	}
	m, ok := b.(*Builder)
	if !ok {
		t.Fatalf("%T is not a mock builder", b)
	}
	return m
}

func (h *harness) Staged(t *testing.T, b builder.Builder, port builder.Port) map[string]string {
	hist := h.mock(t, b).History()
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Port == port {
			return hist[i].Staged
		}
	}
	return nil
}

func (h *harness) Running(t *testing.T, b builder.Builder, port builder.Port) bool {
	p, ok := h.mock(t, b).Running()
	return ok && p == port
}

func TestConformance(t *testing.T) {
	t.Run("zero", func(t *testing.T) { buildertest.Run(t, newHarness(Config{})) })
	t.Run("lognormal", func(t *testing.T) {
		buildertest.Run(t, newHarness(Config{Seed: 7, Durations: Durations{Dist: DistLogNormal, Median: 20e6, Sigma: 0.5, Max: 100e6}}))
	})
}
