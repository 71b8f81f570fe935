package buildrun

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// takeover starts a run on engine "a", lets a few builds succeed, then
// has engine "b" resume it while a still drives it (ResumeDead, as a
// daemon that took the target's lease over does). a must lose its next
// compare-and-swap of the run record and stop with ErrTakenOver; b
// finishes the run with every port built and
// published.
func takeover(t *testing.T, st store.Store) {
	ports := synthGraph(t, 24, 5)
	e := newEnv(t, st, ports)
	fs, bs := fakes(t, 3, ports)
	for _, f := range fs {
		f.delay = 20 * time.Millisecond
	}
	oa := e.options(bs)
	oa.Holder, oa.HeartbeatTTL = "a", 300*time.Millisecond
	a, err := New(oa)
	if err != nil {
		t.Fatal(err)
	}
	sub := a.Bus().Subscribe(1000, func(ev Event) bool { return ev.Kind == EventBuild && ev.State == string(BuildSucceeded) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ha, err := a.Start(ctx, Request{Plan: e.plan(t), Trigger: Trigger{Mode: "everything"}, Tree: Tree{Commit: "c0ffee"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case <-sub.C:
		case <-ha.Done():
			t.Fatal("run a ended before the takeover")
		}
	}
	ob := oa
	ob.Holder, ob.HeartbeatTTL = "b", time.Hour // b would wait an hour for a's heartbeat
	b, _ := New(ob)
	if _, err := b.Resume(ctx, ha.ID()); !errors.Is(err, ErrActive) {
		t.Fatalf("resume of a live run: %v, want ErrActive", err)
	}
	// a's writes may land between b's read and b's write of the record:
	// then b loses (ErrActive) and tries again, as a daemon does.
	var hb *Handle
	for try := 0; ; try++ {
		hb, err = b.ResumeDead(ctx, ha.ID(), "a")
		if err == nil {
			break
		}
		if !errors.Is(err, ErrActive) || try == 20 {
			t.Fatalf("takeover (try %d): %v", try, err)
		}
	}
	took := time.Now()
	if _, err := ha.Wait(context.Background()); !errors.Is(err, ErrTakenOver) {
		t.Fatalf("run a: %v, want ErrTakenOver", err)
	}
	// Its next heartbeat (every 100 ms) loses; then its attempts and a
	// publish in progress are waited for.
	d := time.Since(took)
	t.Logf("a stopped %s after the takeover", d.Round(time.Millisecond))
	if d > 5*time.Second {
		t.Errorf("a stopped driving %s after the takeover, want < 5s", d)
	}
	run, err := hb.Wait(context.Background())
	if err != nil || run.State != RunComplete {
		t.Fatalf("run b: %v %v", run, err)
	}
	rd := NewReader(st, e.repo)
	rec, err := rd.Run(context.Background(), run.ID)
	if err != nil || rec.Holder != "b" || rec.State != RunComplete {
		t.Fatalf("run record after the takeover: %+v %v", rec, err)
	}
	builds, err := rd.Builds(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, bd := range builds {
		if bd.State != BuildSucceeded || bd.Published == "" {
			t.Errorf("build %d %s: %s, published %q", bd.Number, bd.Port.ID(), bd.State, bd.Published)
		}
	}
	_, m, err := e.repo.Current(context.Background())
	if err != nil || len(m.Packages) != 2*len(ports) {
		t.Fatalf("published: %v packages, %v; want %d", len(m.Packages), err, 2*len(ports))
	}
	e.verify(t)
}

func TestTakeoverFile(t *testing.T) { takeover(t, openFileStore(t)) }

func TestTakeoverVersity(t *testing.T) {
	srv := s3test.StartVersity(t)
	takeover(t, srv.Store(t, "kiln"))
}

// TestStopRequeues stops a run for a shutdown while builds run: they are
// queued again, the records are written, the heartbeat is released, and
// another kiln resumes the run at once (its HeartbeatTTL is an hour) and
// finishes it.
func TestStopRequeues(t *testing.T) {
	ports := synthGraph(t, 12, 3)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 2, ports)
	for _, f := range fs {
		f.delay = 30 * time.Millisecond
	}
	o := e.options(bs)
	o.Holder, o.HeartbeatTTL = "a", time.Hour
	a, _ := New(o)
	sub := a.Bus().Subscribe(1000, func(ev Event) bool { return ev.Kind == EventBuild && ev.State == string(BuildSucceeded) })
	ha, err := a.Start(context.Background(), Request{Plan: e.plan(t), Trigger: Trigger{Mode: "everything"}, Tree: Tree{Commit: "c0ffee"}})
	if err != nil {
		t.Fatal(err)
	}
	<-sub.C
	for len(ha.Status().Builds.Active) == 0 {
		time.Sleep(time.Millisecond)
	}
	ha.Stop("test shutdown")
	if _, err := ha.Wait(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v, want ErrStopped", err)
	}
	rd := NewReader(e.st, e.repo)
	rec, err := rd.Run(context.Background(), ha.ID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != RunRunning || !rec.Heartbeat.IsZero() {
		t.Errorf("stopped run record: %s, heartbeat %s; want running without heartbeat", rec.State, rec.Heartbeat)
	}
	builds, _ := rd.Builds(context.Background(), ha.ID())
	interrupted := 0
	for _, b := range builds {
		if b.State == BuildRunning {
			t.Errorf("build %d %s still running after the stop", b.Number, b.Port.ID())
		}
		if n := len(b.Attempts); n > 0 && b.Attempts[n-1].Result == "interrupted" {
			interrupted++
			if b.State != BuildQueued {
				t.Errorf("interrupted build %d: %s, want queued", b.Number, b.State)
			}
		}
	}
	if interrupted == 0 {
		t.Error("no build was interrupted by the stop")
	}
	ob := o
	ob.Holder = "b"
	b, _ := New(ob)
	hb, err := b.Resume(context.Background(), ha.ID())
	if err != nil {
		t.Fatalf("resume right after the stop: %v", err)
	}
	run, err := hb.Wait(context.Background())
	if err != nil || run.State != RunComplete {
		t.Fatalf("resumed: %v %v", run, err)
	}
	e.verify(t)
}
