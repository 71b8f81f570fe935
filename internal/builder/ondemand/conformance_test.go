package ondemand

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
	"github.com/haikuports/kiln/internal/builder/mock"
)

// harness runs the conformance suite on on-demand builders around mocks
// whose machine is switched on and off by real scripts; the idle time is
// short, so machines are stopped and started again between the suite's
// builds.
type harness struct {
	http      bool // start and stop by URL instead of by command
	mu        sync.Mutex
	mocks     map[builder.Builder]*gated
	overrides map[string]mock.Override
}

func (h *harness) New(t *testing.T, notify builder.Notifier) builder.Builder {
	m := newMachine(t, "")
	start, stop := Action{Command: m.start}, Action{Command: m.stop}
	if h.http {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			up := filepath.Join(m.dir, "up")
			switch r.URL.Path {
			case "/start":
				os.WriteFile(up, nil, 0o644)
			case "/stop":
				os.Remove(up)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		start, stop = Action{URL: srv.URL + "/start"}, Action{URL: srv.URL + "/stop"}
	}
	var g *gated
	b, err := New(Config{
		Start: start, Stop: stop,
		PollInterval: 5 * time.Millisecond, IdleTime: 20 * time.Millisecond, Notify: notify,
	}, func(n builder.Notifier) (builder.Builder, error) {
		mb, err := mock.New(mock.Config{Name: "od-" + t.Name(), Notify: n})
		g = &gated{mb, m}
		return g, err
	})
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, o := range h.overrides {
		g.Set(k, o)
	}
	h.mocks[b] = g
	return b
}

func (h *harness) Tree(t *testing.T) builder.Tree { return tree }

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
	for _, g := range h.mocks {
		g.Set(s.Port.ID(), o)
	}
}

func (h *harness) inner(b builder.Builder) *gated {
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

func TestConformance(t *testing.T) {
	buildertest.Run(t, &harness{mocks: map[builder.Builder]*gated{}, overrides: map[string]mock.Override{}})
}

// TestConformanceHTTP runs the suite with start and stop URLs: the
// endpoints switch the machine on and off.
func TestConformanceHTTP(t *testing.T) {
	h := &harness{mocks: map[builder.Builder]*gated{}, overrides: map[string]mock.Override{}, http: true}
	buildertest.Run(t, h)
}
