package buildrun

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// crashAndResume starts a run of n ports, "crashes" it (cancels the
// engine's context, so nothing more is written) after each of the given
// numbers of succeeded builds, each time starting a new engine on the
// same store that resumes the run, and checks that the run completes with
// every port built exactly once and every package published.
func crashAndResume(t *testing.T, st store.Store, n int, mode PublishMode, crashes []int) {
	ports := synthGraph(t, n, 21)
	e := newEnv(t, st, ports)
	fs, bs := fakes(t, 4, ports)
	for _, f := range fs {
		f.delay = 3 * time.Millisecond
	}
	opts := e.options(bs)
	opts.Publish = mode
	p := e.plan(t)
	var id string
	for i := 0; i <= len(crashes); i++ {
		eng, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		sub := eng.Bus().Subscribe(100000, func(ev Event) bool { return ev.Kind == EventBuild && ev.State == string(BuildSucceeded) })
		var h *Handle
		if i == 0 {
			h, err = eng.Start(ctx, Request{Plan: p, Trigger: Trigger{Mode: "everything"}, Tree: Tree{Commit: "c0ffee"}})
			if err == nil {
				id = h.ID()
			}
		} else {
			h, err = eng.Resume(ctx, id)
		}
		if err != nil {
			t.Fatal(err)
		}
		if i == len(crashes) {
			run, err := h.Wait(context.Background())
			cancel(nil)
			if err != nil {
				t.Fatal(err)
			}
			if run.State != RunComplete {
				t.Fatalf("resumed run: %s (%s)", run.State, run.Reason)
			}
			break
		}
		// Crash after crashes[i] more builds succeeded.
		for k := 0; k < crashes[i]; k++ {
			select {
			case <-sub.C:
			case <-h.Done():
				t.Fatalf("run ended before crash %d", i)
			}
		}
		cancel(errors.New("simulated crash"))
		if _, err := h.Wait(context.Background()); err == nil {
			t.Fatal("a crashed run reported no error")
		}
	}
	built := map[string]int{}
	for _, f := range fs {
		for _, id := range f.builtPorts() {
			built[id]++
		}
	}
	// No port is built twice. (A port may be built 0 times by the
	// builders' count: when kiln stopped after every output was in the
	// store but before the builder reported success, the resumed run
	// adopts those packages.)
	adopted := 0
	for id := range ports {
		if built[id] > 1 {
			t.Errorf("%s built %d times", id, built[id])
		}
		if built[id] == 0 {
			adopted++
		}
	}
	t.Logf("%d crashes, %d ports adopted from an interrupted attempt", len(crashes), adopted)
	_, m, err := e.repo.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != 2*n {
		t.Errorf("%d packages published, want %d", len(m.Packages), 2*n)
	}
	e.verify(t)
	// The records say the same.
	rd := NewReader(st, e.repo)
	builds, err := rd.Builds(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range builds {
		if b.State != BuildSucceeded || b.Published == "" {
			t.Errorf("build %d %s: %s, published %q", b.Number, b.Port.ID(), b.State, b.Published)
		}
	}
	run, err := rd.Run(context.Background(), id)
	if err != nil || run.State != RunComplete {
		t.Errorf("run record: %v %v", run, err)
	}
}

func TestCrashAndResume(t *testing.T) {
	for _, mode := range []PublishMode{PublishAtEnd, PublishEachBuild} {
		t.Run(string(mode), func(t *testing.T) {
			crashAndResume(t, openFileStore(t), 60, mode, []int{3, 10, 1, 20})
		})
	}
}

func TestResumeRefusals(t *testing.T) {
	ports := synthGraph(t, 5, 1)
	e := newEnv(t, openFileStore(t), ports)
	_, bs := fakes(t, 1, ports)
	run, eng := runAll(t, e, e.options(bs))
	if _, err := eng.Resume(context.Background(), run.ID); !errors.Is(err, ErrFinished) {
		t.Errorf("resume of a finished run: %v", err)
	}
	if _, err := eng.Resume(context.Background(), "nosuchrun"); !errors.Is(err, ErrNotFound) {
		t.Errorf("resume of a missing run: %v", err)
	}
	// A run another live process drives is refused.
	f := newFake("slow", ports)
	f.hang["p000-1.0"] = -1
	o := e.options([]builder.Builder{f})
	o.Holder = "other"
	o.HangTimeout = time.Hour
	eng2, _ := New(o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e2 := newEnv(t, openFileStore(t), ports)
	o.Store, o.Repo = e2.st, e2.repo
	eng2, _ = New(o)
	h, err := eng2.Start(ctx, Request{Plan: e2.plan(t), Tree: Tree{Commit: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	o3 := o
	o3.Holder = "third"
	eng3, _ := New(o3)
	if _, err := eng3.Resume(context.Background(), h.ID()); !errors.Is(err, ErrActive) {
		t.Errorf("resume of a live run: %v", err)
	}
	if _, err := eng2.Start(ctx, Request{Plan: e2.plan(t), Tree: Tree{Commit: "c"}}); !errors.Is(err, ErrBusy) {
		t.Errorf("second start: %v", err)
	}
	h.Cancel("done")
	if r, err := h.Wait(context.Background()); err != nil || r.State != RunCancelled {
		t.Errorf("cancelled: %v %v", r, err)
	}
	_ = fmt.Sprint()
}

func TestCrashAndResumeVersity(t *testing.T) {
	srv := s3test.StartVersity(t)
	crashAndResume(t, srv.Store(t, "kiln"), 40, PublishEachBuild, []int{2, 9, 5})
}
