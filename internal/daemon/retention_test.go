package daemon

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// updates has the daemon build its first run and then n update runs (a
// libkiln revision each), each publishing a snapshot.
func (u *urlDaemon) updates(t *testing.T, n int) {
	t.Helper()
	u.waitProcessed(t, testenv.Git(t, u.remote, "rev-parse", "HEAD"))
	for i := range n {
		last := u.bump(t, 50+i)
		if err := u.d.Wake(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
		u.waitProcessed(t, last)
	}
}

// idle reports whether no retention pass runs.
func (r *retainer) idle() bool { return r.runs.idle() }

// snapshotIDs lists the target's stored snapshots and its head.
func snapshotIDs(t *testing.T, tg *Target) (ids []string, head string) {
	t.Helper()
	ctx := context.Background()
	snaps, err := tg.Repo().Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		ids = append(ids, s.ID)
	}
	h, err := tg.Repo().ReadHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ids, h.Snapshot
}

// TestRetentionKeepLast: with keep_last = 2 (and runs_keep_last = 1) the
// daemon prunes after its runs and at the interval until two snapshots
// are left, the head among them, and the repository still verifies; the
// runs of deleted snapshots are deleted, the runs of kept ones stay; what
// went is counted. A paused target is not pruned.
func TestRetentionKeepLast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree four times")
	}
	ctx := context.Background()
	u := startURLDaemon(t, 50*time.Millisecond, func(c *config.Config) {
		// A grace of 1s: a snapshot listing a package that left the head
		// less than grace ago is kept until a later pass (the interval's).
		c.Retention = config.Retention{KeepLast: 2, RunsKeepLast: 1, Grace: config.Age(time.Second), Interval: builder.Duration(time.Second)}
	})
	tg := u.d.Target("master/x86_64")
	u.updates(t, 3)
	var ids []string
	var head string
	waitUntil(t, "retention leaves two snapshots", 30*time.Second, func() bool {
		if !u.d.retainer.idle() {
			return false // a pass deletes snapshots before runs, and counts at its end
		}
		ids, head = snapshotIDs(t, tg)
		return len(ids) == 2
	})
	if !slices.Contains(ids, head) {
		t.Errorf("the head %s was pruned: left %v", head, ids)
	}
	rp, err := tg.Repo().Verify(ctx, repo.VerifyOptions{Deep: true})
	if err != nil || !rp.OK() || rp.Head != head {
		t.Errorf("verify after retention: %v %+v", err, rp)
	}
	r := u.d.retainer
	if n := value(r.removed.WithLabelValues("master/x86_64", removedSnapshot)); n < 2 {
		t.Errorf("%v snapshots counted as removed, want at least 2 (4 runs published)", n)
	}
	if n := value(r.removed.WithLabelValues("master/x86_64", removedRun)); n < 1 {
		t.Errorf("%v runs counted as removed", n)
	}
	// A paused target is not pruned until it is resumed.
	if err := u.d.SetPause(ctx, tg, Pause{Paused: true, By: "test", Reason: "looking at a publish"}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.d.retain(tg); !errors.Is(err, errRetentionDeferred) {
		t.Errorf("a pass while paused: %v, want errRetentionDeferred", err)
	}
	if err := u.d.SetPause(ctx, tg, Pause{}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.d.retain(tg); err != nil {
		t.Errorf("a pass after the resume: %v", err)
	}
	runs, err := tg.Engine().Records().Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 || len(runs) > 2 {
		t.Errorf("%d runs left, want those of the 2 kept snapshots", len(runs))
	}
	for _, run := range runs {
		kept := false
		for _, s := range run.Snapshots {
			kept = kept || slices.Contains(ids, s)
		}
		if !kept {
			t.Errorf("run %s (snapshots %v) was kept, though none of its snapshots is", run.ID, run.Snapshots)
		}
	}
}

// TestRetentionOff: without [retention] the daemon deletes nothing: every
// snapshot and run of its runs stays, no pass runs.
func TestRetentionOff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree three times")
	}
	u := startURLDaemon(t, 50*time.Millisecond)
	tg := u.d.Target("master/x86_64")
	u.updates(t, 2)
	ids, head := snapshotIDs(t, tg)
	if len(ids) < 3 || !slices.Contains(ids, head) {
		t.Fatalf("snapshots %v (head %s), want the 3 the runs published", ids, head)
	}
	if n := u.runs(t); n != 3 {
		t.Errorf("%d runs, want 3", n)
	}
	// A pass asked for directly removes nothing either.
	out, err := u.d.retain(tg)
	if err != nil || out.Prune != nil || out.Runs != nil {
		t.Errorf("retain with retention off: %+v %v", out, err)
	}
	if again, _ := snapshotIDs(t, tg); !slices.Equal(again, ids) {
		t.Errorf("snapshots %v after a pass, want %v", again, ids)
	}
	for _, kind := range []string{removedSnapshot, removedPackage, removedObsolete, removedRun} {
		if n := value(u.d.retainer.removed.WithLabelValues("master/x86_64", kind)); n != 0 {
			t.Errorf("%v %s counted as removed", n, kind)
		}
	}
}

// TestRetentionNotHolder: two replicas on one store, the second with
// keep_last = 1 at a 1s interval. While the first holds the target, the
// second never prunes (a pass asked for directly is ErrNotHolder); once
// the first shut down and the second took the target over, it defers
// retention while its run is in progress, then prunes to the head.
func TestRetentionNotHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree three times")
	}
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, t.TempDir(), "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tree.Poll = builder.Duration(time.Hour)
	cfg.Builders.Mock = []mock.Settings{{Name: "mock", Count: 2, Seed: 1, Duration: "fixed", Median: builder.Duration(300 * time.Millisecond)}}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	pruning := *cfg
	pruning.Retention = config.Retention{KeepLast: 1, Grace: config.Age(time.Second), Interval: builder.Duration(time.Second)}
	if err := pruning.Validate(); err != nil {
		t.Fatal(err)
	}
	start := func(name string, c *config.Config, reg prometheus.Registerer) *Daemon {
		d, err := New(ctx, Options{Config: c, Store: st, Replica: name, LeaseTTL: 300 * time.Millisecond, Metrics: reg,
			RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
		if err != nil {
			t.Fatal(err)
		}
		runDaemon(t, d)
		return d
	}
	const tg = "master/x86_64"
	holder := start("holder", cfg, nil)
	waitUntil(t, "the holder finished its first run", 60*time.Second, func() bool {
		return holder.Lease(tg).Held && holder.State(tg).Processed != "" && holder.State(tg).Run == ""
	})
	reg := prometheus.NewRegistry()
	other := start("other", &pruning, reg)
	waitUntil(t, "the other replica sees the holder", 5*time.Second, func() bool { return other.Lease(tg).Holder == "holder" })
	bump(t, cfg.Tree.Path, 7)
	h, err := holder.Trigger(ctx, holder.Target(tg), Request{Mode: "update", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	before, head := snapshotIDs(t, other.Target(tg))
	if len(before) < 2 {
		t.Fatalf("snapshots %v, want 2", before)
	}
	if _, err := other.retain(other.Target(tg)); !errors.Is(err, ErrNotHolder) {
		t.Errorf("a pass on the non-holder: %v, want ErrNotHolder", err)
	}
	time.Sleep(2500 * time.Millisecond) // two intervals and a grace
	if ids, _ := snapshotIDs(t, other.Target(tg)); !slices.Equal(ids, before) {
		t.Fatalf("the non-holder pruned: snapshots %v, were %v", ids, before)
	}
	r := other.retainer
	for _, outcome := range []string{"ok", "deferred", "failed"} {
		if n := value(r.passes.WithLabelValues(tg, outcome)); n != 0 {
			t.Errorf("the non-holder ran %v passes (%s)", n, outcome)
		}
	}

	// The holder leaves: the other takes over and prunes, but not while
	// its run is in progress.
	if err := holder.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the other replica takes the target over", 10*time.Second, func() bool { return other.Lease(tg).Held })
	bump(t, cfg.Tree.Path, 8)
	h, err = other.Trigger(ctx, other.Target(tg), Request{Mode: "update", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.retain(other.Target(tg)); !errors.Is(err, errRetentionDeferred) {
		t.Errorf("a pass during a run: %v, want errRetentionDeferred", err)
	}
	if _, err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	waitUntil(t, "the new holder prunes to the head", 30*time.Second, func() bool {
		if !r.idle() {
			return false
		}
		ids, head = snapshotIDs(t, other.Target(tg))
		return len(ids) == 1
	})
	if ids[0] != head {
		t.Errorf("left snapshot %s, head %s", ids[0], head)
	}
	if n := value(r.removed.WithLabelValues(tg, removedSnapshot)); n != 2 {
		t.Errorf("%v snapshots counted as removed, want 2", n)
	}
	// The daemon's registry (kiln serve's /metrics) has them.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	for _, want := range []string{"kiln_retention_removed_total", "kiln_retention_passes_total"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not in the daemon's registry (%v)", want, names)
		}
	}
}
