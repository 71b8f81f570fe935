package buildrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
)

// dependents returns the ports of p that depend, directly or not, on any
// of the given ports.
func dependents(p *plan.Plan, of []string) map[string]bool {
	users := map[string][]string{}
	for _, id := range p.Order {
		for _, n := range p.Port(id).Needs {
			users[n] = append(users[n], id)
		}
	}
	out := map[string]bool{}
	queue := slices.Clone(of)
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, u := range users[v] {
			if !out[u] {
				out[u] = true
				queue = append(queue, u)
			}
		}
	}
	return out
}

// independent picks up to n of the candidates, none depending on another.
func independent(p *plan.Plan, candidates []string, n int) []string {
	var out []string
	for _, id := range candidates {
		if len(out) < n && !dependents(p, out)[id] && !slices.ContainsFunc(out, func(f string) bool { return dependents(p, []string{id})[f] }) {
			out = append(out, id)
		}
	}
	return out
}

func buildsByPort(t *testing.T, eng *Engine, run *Run) map[string]Build {
	t.Helper()
	bs, err := eng.Records().Builds(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Build{}
	for _, b := range bs {
		out[b.Port.ID()] = b
	}
	return out
}

func TestInjectedFailuresLoseExactlyDependents(t *testing.T) {
	ports := synthGraph(t, 80, 11)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 4, ports)
	p := e.plan(t)
	// Three failures, none depending on another.
	failed := independent(p, []string{"p005-1.0", "p020-1.0", "p031-1.0", "p045-1.0", "p060-1.0", "p070-1.0"}, 3)
	for _, f := range fs {
		for _, id := range failed {
			f.fail[id] = true
		}
	}
	lost := dependents(p, failed)
	if len(failed) != 3 || len(lost) == 0 {
		t.Fatalf("test graph: failed %v, lost %d", failed, len(lost))
	}
	run, eng := runAll(t, e, e.options(bs))
	if run.State != RunFailed {
		t.Errorf("run state %s, want failed", run.State)
	}
	builds := buildsByPort(t, eng, run)
	for id, b := range builds {
		switch {
		case slices.Contains(failed, id):
			if b.State != BuildFailed || !strings.Contains(b.Reason, "exited with status 1") {
				t.Errorf("%s: %s %q, want failed", id, b.State, b.Reason)
			}
		case lost[id]:
			if b.State != BuildLost || len(b.LostChain) < 2 || !slices.Contains(failed, b.LostChain[0]) || b.LostChain[len(b.LostChain)-1] != id {
				t.Errorf("%s: %s chain %v, want lost with a chain from a failed port", id, b.State, b.LostChain)
			}
			if len(b.Attempts) != 0 {
				t.Errorf("%s: lost but attempted %d times", id, len(b.Attempts))
			}
		default:
			if b.State != BuildSucceeded {
				t.Errorf("%s: %s (%s), want succeeded", id, b.State, b.Reason)
			}
		}
	}
	t.Logf("%d failed, %d lost, %d built", len(failed), len(lost), len(builds)-len(failed)-len(lost))
	_, m, err := e.repo.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * (len(builds) - len(failed) - len(lost)); len(m.Packages) != want {
		t.Errorf("%d packages published, want %d", len(m.Packages), want)
	}
	e.verify(t)
	rt, _ := eng.Records().File(context.Background(), run.ID, "report.txt")
	if !strings.Contains(string(rt), "lost (a dependency failed)") || !strings.Contains(string(rt), "p005-1.0-1") {
		t.Errorf("report:\n%s", rt)
	}
}

func TestHangTimesOutAndRetries(t *testing.T) {
	ports := synthGraph(t, 12, 5)
	e := newEnv(t, openFileStore(t), ports)
	f := newFake("only", ports)
	f.hang["p003-1.0"] = 1  // the first attempt hangs
	f.hang["p007-1.0"] = -1 // always hangs
	opts := e.options([]builder.Builder{f})
	opts.HangTimeout = time.Second // generous: the machine may be loaded
	opts.Retries = 2
	run, eng := runAll(t, e, opts)
	builds := buildsByPort(t, eng, run)
	if b := builds["p003-1.0"]; b.State != BuildSucceeded || !slices.Equal(attemptResults(b), []string{"hang", "succeeded"}) {
		t.Errorf("p003: %s %q attempts %v", b.State, b.Reason, attemptResults(b))
	}
	b7 := builds["p007-1.0"]
	if b7.State != BuildFailed || !slices.Equal(attemptResults(b7), []string{"hang", "hang", "hang"}) || !strings.Contains(b7.Reason, "hang") {
		t.Errorf("p007: %s %q attempts %v, want failed after 3 hangs", b7.State, b7.Reason, attemptResults(b7))
	}
	var log strings.Builder
	if _, err := eng.Records().Log(context.Background(), run.ID, BuildLog(b7.Number), &log); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "waiting for build package") != 3 || strings.Count(log.String(), "=== build") != 3 {
		t.Errorf("p007 log:\n%s", log.String())
	}
}

func attemptResults(b Build) []string {
	var out []string
	for _, a := range b.Attempts {
		out = append(out, a.Result)
	}
	return out
}

func TestTransientRetriedThenFailed(t *testing.T) {
	ports := synthGraph(t, 10, 5)
	e := newEnv(t, openFileStore(t), ports)
	f := newFake("only", ports)
	f.transient["p002-1.0"] = 2
	f.transient["p004-1.0"] = 100
	opts := e.options([]builder.Builder{f})
	opts.Retries = 3
	run, eng := runAll(t, e, opts)
	builds := buildsByPort(t, eng, run)
	if b := builds["p002-1.0"]; b.State != BuildSucceeded || !slices.Equal(attemptResults(b), []string{"transient", "transient", "succeeded"}) {
		t.Errorf("p002: %s attempts %v", b.State, attemptResults(b))
	}
	if b := builds["p004-1.0"]; b.State != BuildFailed || len(b.Attempts) != 4 {
		t.Errorf("p004: %s attempts %v, want failed after 4", b.State, attemptResults(b))
	}
}

func TestLostBuilderBuildsCompleteElsewhere(t *testing.T) {
	ports := synthGraph(t, 40, 9)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 3, ports)
	fs[0].loseAfter = 2
	fs[0].delay = 5 * time.Millisecond
	run, eng := runAll(t, e, e.options(bs))
	if run.State != RunComplete {
		t.Fatalf("run %s: %s", run.State, run.Reason)
	}
	if fs[0].Status().State != builder.StateLost {
		t.Fatal("builder1 was not lost")
	}
	if n := len(fs[0].builtPorts()); n != 2 {
		t.Errorf("builder1 built %d ports, want 2", n)
	}
	moved := 0
	for _, b := range buildsByPort(t, eng, run) {
		if slices.Contains(attemptResults(b), "lost-builder") {
			moved++
			if b.State != BuildSucceeded || b.Builder == "builder1" {
				t.Errorf("%s: %s on %s after its builder was lost", b.Port.ID(), b.State, b.Builder)
			}
		}
	}
	if moved != 1 {
		t.Errorf("%d builds moved off the lost builder, want 1", moved)
	}
	st := eng.Records()
	sb, _ := st.File(context.Background(), run.ID, "status.json")
	var status Status
	if err := json.Unmarshal(sb, &status); err != nil || len(status.Builders.Lost) != 1 || status.Builders.Lost[0].Name != "builder1" {
		t.Errorf("status.json does not list builder1 as lost: %v %+v", err, status.Builders.Lost)
	}
	e.verify(t)
}

func TestRetryFailureElsewhere(t *testing.T) {
	ports := synthGraph(t, 8, 5)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 2, ports)
	fs[0].fail["p001-1.0"] = true
	fs[1].fail["p001-1.0"] = true
	fs[0].fail["p003-1.0"] = true // fails on builder1 only
	opts := e.options(bs)
	opts.RetryFailureElsewhere = true
	run, eng := runAll(t, e, opts)
	builds := buildsByPort(t, eng, run)
	b3 := builds["p003-1.0"]
	if b3.State != BuildSucceeded || b3.Builder != "builder2" || len(b3.Attempts) == 2 && b3.Attempts[0].Builder != "builder1" {
		t.Errorf("p003: %s %+v, want succeeded on builder2", b3.State, b3.Attempts)
	}
	b1 := builds["p001-1.0"]
	if b1.State != BuildFailed || len(b1.Attempts) != 2 || b1.Attempts[0].Builder == b1.Attempts[1].Builder {
		t.Errorf("p001: %s %v, want failed after one retry elsewhere", b1.State, attemptResults(b1))
	}
}

func TestCancelBuildAndRun(t *testing.T) {
	ports := synthGraph(t, 30, 5)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 2, ports)
	for _, f := range fs {
		f.delay = 30 * time.Millisecond
		f.hang["p000-1.0"] = -1
	}
	eng, err := New(e.options(bs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h, err := eng.Start(ctx, Request{Plan: e.plan(t), Tree: Tree{Commit: "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	sub := eng.Bus().Subscribe(10000, func(ev Event) bool { return ev.Kind == EventBuild })
	// p000 hangs: cancel it once it runs.
	var n0 int64
	for _, b := range h.Builds() {
		if b.Port.ID() == "p000-1.0" {
			n0 = b.Number
		}
	}
	waitFor(t, func() bool {
		for _, b := range h.Builds() {
			if b.Number == n0 {
				return b.State == BuildRunning
			}
		}
		return false
	})
	// Mid-run status.json (an active builder with its current build)
	// has what the HaikuPorter frontend reads.
	sj, err := json.Marshal(h.Status())
	if err != nil {
		t.Fatal(err)
	}
	checkFrontendKeys(t, sj)
	if st := h.Status(); len(st.Builders.Active) == 0 || st.EndTime != nil {
		t.Errorf("mid-run status: %d active builders, end %v", len(st.Builders.Active), st.EndTime)
	}
	if err := h.CancelBuild(n0, "operator"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, b := range h.Builds() {
			if b.State == BuildSucceeded {
				return true
			}
		}
		return false
	})
	h.Cancel("enough")
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != RunCancelled {
		t.Errorf("run %s, want cancelled", run.State)
	}
	var succeeded, cancelled int
	for _, b := range h.Builds() {
		switch b.State {
		case BuildSucceeded:
			succeeded++
		case BuildCancelled:
			cancelled++
		case BuildLost:
			if b.LostChain[0] != "p000-1.0" {
				t.Errorf("%s lost through %v", b.Port.ID(), b.LostChain)
			}
		default:
			t.Errorf("%s: %s after cancel", b.Port.ID(), b.State)
		}
		if b.Number == n0 && (b.State != BuildCancelled || !strings.Contains(b.Reason, "operator")) {
			t.Errorf("p000: %s %q", b.State, b.Reason)
		}
	}
	if succeeded == 0 || cancelled < 2 {
		t.Errorf("%d succeeded, %d cancelled", succeeded, cancelled)
	}
	// What was built is published.
	_, m, err := e.repo.Current(ctx)
	if err != nil || len(m.Packages) != 2*succeeded {
		t.Errorf("published %v packages for %d builds: %v", m, succeeded, err)
	}
	events := 0
	for range len(sub.C) {
		<-sub.C
		events++
	}
	if events == 0 || sub.Dropped() {
		t.Errorf("%d build events, dropped %v", events, sub.Dropped())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHeldBackWhenADependencyFailed(t *testing.T) {
	ports := synthGraph(t, 6, 5)
	// q-1.0 fails; r-1.0 does not need it to build but requires its
	// package at runtime: r must not be published.
	q := synthPort("q", nil, nil)
	r := synthPort("r", nil, []pkginfo.Expression{{Name: "q"}})
	ports[q.ID()], ports[r.ID()] = q, r
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 2, ports)
	for _, f := range fs {
		f.fail["q-1.0"] = true
	}
	run, eng := runAll(t, e, e.options(bs))
	if run.State != RunFailed || len(run.Held) != 2 {
		t.Fatalf("run %s, held %+v", run.State, run.Held)
	}
	for _, h := range run.Held {
		if h.Port != "r-1.0" || !strings.Contains(h.Reason, "not be installable") {
			t.Errorf("held %+v", h)
		}
	}
	if b := buildsByPort(t, eng, run)["r-1.0"]; b.State != BuildSucceeded || b.Published != "" {
		t.Errorf("r: %s published %q", b.State, b.Published)
	}
	_, m, _ := e.repo.Current(context.Background())
	if _, ok := m.ByName("r"); ok {
		t.Error("r was published although q failed")
	}
	if _, ok := m.ByName("p000"); !ok {
		t.Error("p000 was not published")
	}
	e.verify(t)
}

func synthPort(name string, build, requires []pkginfo.Expression) *portT {
	v, _ := pkginfo.ParseVersion("1.0")
	v.Revision = 1
	p := &portT{Name: name, BaseName: name, Version: "1.0", Revision: 1, Category: "synth",
		RecipePath: fmt.Sprintf("synth/%s/%s-1.0.recipe", name, name), Target: targetX86,
		Status: stable, Buildable: true, BuildRequires: append([]pkginfo.Expression{{Name: "haiku"}}, build...)}
	p.Packages = []pkgT{{Name: name, Type: "general", Architecture: pkginfo.ArchX86_64, Version: v, Status: stable,
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}}, Requires: requires},
		{Name: name + "_devel", Suffix: "devel", Type: "devel", Architecture: pkginfo.ArchX86_64, Version: v, Status: stable,
			Provides: []pkginfo.Resolvable{{Name: "devel:" + name, Version: v}}, Requires: []pkginfo.Expression{{Name: name}}}}
	return p
}

// TestNoUsableBuilder: a run whose builders are all lost stops with
// ErrNoBuilders (state error, resumable); one whose only other builder
// is disabled by an operator waits instead, and completes once it is
// enabled again.
func TestNoUsableBuilder(t *testing.T) {
	for _, disabled := range []bool{false, true} {
		t.Run(fmt.Sprint("disabled=", disabled), func(t *testing.T) {
			ports := synthGraph(t, 12, 3)
			e := newEnv(t, openFileStore(t), ports)
			fs, bs := fakes(t, 2, ports)
			fs[0].loseAfter = 2
			if disabled {
				fs[1].state = builder.StateDisabled
			} else {
				fs[1].loseAfter = 1
			}
			eng, err := New(e.options(bs))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			h, err := eng.Start(ctx, Request{Plan: e.plan(t), Trigger: Trigger{Mode: "everything", By: "test"}, Tree: Tree{OriginURL: "https://example.com/haikuports", Commit: "0123456789abcdef0123456789abcdef01234567"}})
			if err != nil {
				t.Fatal(err)
			}
			if !disabled {
				run, err := h.Wait(ctx)
				if !errors.Is(err, ErrNoBuilders) || run.State != RunError {
					t.Fatalf("every builder lost: %v, run %s (%s)", err, run.State, run.Reason)
				}
				return
			}
			for deadline := time.Now().Add(30 * time.Second); fs[0].Status().State != builder.StateLost; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("builder1 was not lost")
				}
			}
			select {
			case <-h.Done():
				run, err := h.Wait(ctx)
				t.Fatalf("the run ended with builder2 disabled: %v, %s (%s)", err, run.State, run.Reason)
			case <-time.After(500 * time.Millisecond): // five ticks of the run
			}
			fs[1].mu.Lock()
			fs[1].state = builder.StateAvailable
			fs[1].mu.Unlock()
			run, err := h.Wait(ctx)
			if err != nil || run.State != RunComplete {
				t.Fatalf("after builder2 was enabled: %v, %s (%s)", err, run.State, run.Reason)
			}
			if n := len(fs[1].builtPorts()); n != 12-2 {
				t.Errorf("builder2 built %d ports, want 10", n)
			}
		})
	}
}
