package buildrun

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// mocks returns n mock builders (zero durations unless cfg says).
func mocks(t testing.TB, n int, cfg func(i int, c *mock.Config)) ([]*mock.Builder, []builder.Builder) {
	t.Helper()
	var ms []*mock.Builder
	var bs []builder.Builder
	for i := range n {
		c := mock.Config{Name: "mock" + string(rune('1'+i)), Seed: uint64(i + 1), LogLines: 5, PayloadSize: 512}
		if cfg != nil {
			cfg(i, &c)
		}
		m, err := mock.New(c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		ms = append(ms, m)
		bs = append(bs, m)
	}
	return ms, bs
}

// mockBuilt counts the successful builds of each port over the mocks.
func mockBuilt(ms []*mock.Builder) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		for _, r := range m.History() {
			if r.Err == nil {
				out[r.Port.ID()]++
			}
		}
	}
	return out
}

func testMockRun(t *testing.T, st store.Store, n int) {
	ports := synthGraph(t, n, 3)
	st, requests := counting(st)
	e := newEnv(t, st, ports)
	ms, bs := mocks(t, 4, nil)
	before := requests()
	start := time.Now()
	run, eng := runAll(t, e, e.options(bs))
	t.Logf("%d builds in %s, %.1f store requests per build (records, logs, dependencies, ingest, publish)",
		n, time.Since(start).Round(time.Millisecond), float64(requests()-before)/float64(n))
	if run.State != RunComplete {
		t.Fatalf("run %s (%s)", run.State, run.Reason)
	}
	built := mockBuilt(ms)
	for id := range ports {
		if built[id] != 1 {
			t.Errorf("%s built %d times", id, built[id])
		}
	}
	_, m, err := e.repo.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != 2*n {
		t.Errorf("%d packages published, want %d", len(m.Packages), 2*n)
	}
	e.verify(t)
	for _, b := range buildsByPort(t, eng, run) {
		if b.State != BuildSucceeded || b.Published != m.ID {
			t.Errorf("%s: %s, published in %q", b.Port.ID(), b.State, b.Published)
		}
	}
}

func TestMockRunFile(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 40
	}
	testMockRun(t, openFileStore(t), n)
}

func TestMockRunVersity(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 30
	}
	srv := s3test.StartVersity(t)
	testMockRun(t, srv.Store(t, "kiln"), n)
}

// TestMockFailuresHangsAndLostBuilder: on mock builders, injected
// failures lose exactly their dependents, a port that hangs times out
// (and fails once its retries are used), and the builds of a builder
// that is lost complete elsewhere.
func TestMockFailuresHangsAndLostBuilder(t *testing.T) {
	ports := synthGraph(t, 80, 11)
	e := newEnv(t, openFileStore(t), ports)
	p := e.plan(t)
	failed := independent(p, []string{"p004-1.0", "p020-1.0", "p033-1.0", "p040-1.0"}, 2)
	hung := ""
	for i := 50; i < 80 && hung == ""; i++ {
		id := fmt.Sprintf("p%03d-1.0", i)
		if !dependents(p, failed)[id] && !slices.ContainsFunc(failed, func(f string) bool { return dependents(p, []string{id})[f] }) {
			hung = id
		}
	}
	if hung == "" {
		t.Fatal("test graph: no port to hang")
	}
	ms, bs := mocks(t, 4, func(i int, c *mock.Config) {
		c.Ports = map[string]mock.Override{
			failed[0]: {Result: mock.ResultFail}, failed[1]: {Result: mock.ResultFail},
			hung: {Result: mock.ResultHang},
		}
		if i == 0 {
			c.LostAfter = 5
		}
		d := 2 * time.Millisecond
		c.Durations = mock.Durations{Dist: mock.DistFixed, Median: d}
	})
	opts := e.options(bs)
	opts.HangTimeout = time.Second // generous: the machine may be loaded
	opts.Retries = 1
	run, eng := runAll(t, e, opts)
	if run.State != RunFailed {
		t.Errorf("run %s, want failed", run.State)
	}
	if st := ms[0].Status().State; st != builder.StateLost {
		t.Errorf("mock1 is %s, want lost", st)
	}
	lost := dependents(p, append(slices.Clone(failed), hung))
	builds := buildsByPort(t, eng, run)
	movedOff := 0
	for id, b := range builds {
		res := attemptResults(b)
		switch {
		case slices.Contains(failed, id):
			if b.State != BuildFailed {
				t.Errorf("%s: %s, want failed", id, b.State)
			}
		case id == hung:
			if b.State != BuildFailed || !slices.Equal(res, []string{"hang", "hang"}) {
				t.Errorf("%s: %s %v, want failed after two hangs", id, b.State, res)
			}
		case lost[id]:
			if b.State != BuildLost {
				t.Errorf("%s: %s, want lost", id, b.State)
			}
		default:
			if b.State != BuildSucceeded {
				t.Errorf("%s: %s (%s) %v, want succeeded", id, b.State, b.Reason, res)
			}
		}
		for i, a := range b.Attempts {
			if a.Builder == "mock1" && a.Result == "transient" && i+1 < len(b.Attempts) && b.State == BuildSucceeded {
				movedOff++
			}
		}
	}
	if movedOff != 1 {
		t.Errorf("%d builds moved off the lost builder, want 1", movedOff)
	}
	e.verify(t)
}
