package repo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// testClock is a settable clock.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func mustVerify(t *testing.T, r *Repo, deep bool) *Report {
	t.Helper()
	rp, err := r.Verify(context.Background(), VerifyOptions{Deep: deep})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rp.OK() {
		t.Fatalf("verify found problems: %v", rp.Problems)
	}
	return rp
}

func TestRollbackPruneVerify(t *testing.T) {
	st := newMemStore()
	clk := &testClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := New(st, testTarget, Options{Codec: fakeCodec{}, Now: clk.now})
	ctx := context.Background()
	pkgs := map[string][]byte{}
	var ids []string
	publish := func(c Change) {
		t.Helper()
		res := mustPublish(t, r, c)
		ids = append(ids, res.Snapshot)
		clk.advance(time.Hour)
	}
	add := func(name, ver string) Add {
		b := fakePkg(name, ver, pkginfo.ArchX86_64, "")
		pkgs[name+"-"+ver] = b
		return addBytes(name, b)
	}
	publish(Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{add("a", "1-1"), add("b", "1-1")}})
	for v := 2; v <= 5; v++ {
		publish(Change{Add: []Add{add("a", fmt.Sprint(v, "-1"))}})
	}
	publish(Change{Remove: []string{"b"}})
	rp := mustVerify(t, r, true)
	if rp.Snapshots != 6 || rp.Packages != 1 || rp.Hashed != 6 {
		t.Fatalf("report %+v", rp)
	}

	// Rollback to the first snapshot: a new snapshot with its content.
	res, err := r.Rollback(ctx, ids[0], RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, m, _ := r.Current(ctx)
	if m.ID != res.Snapshot || m.RolledBackTo != ids[0] || m.Parent != ids[5] || len(m.Packages) != 2 {
		t.Fatalf("after rollback: %+v", m)
	}
	if got := string(getKey(t, st, "master/x86_64/current/package.list")); got != "a-1-1-x86_64.hpkg\nb-1-1-x86_64.hpkg\n" {
		t.Fatalf("package.list after rollback %q", got)
	}
	mustVerify(t, r, false)
	clk.advance(time.Hour)
	// Roll forward again (head~1 is the state before the rollback).
	if _, err := r.Rollback(ctx, "head~1", RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)

	// Prune keeping 2 snapshots, no age, grace 90 minutes.
	po := PruneOptions{KeepSnapshots: 2, KeepAge: -1, Grace: 90 * time.Minute, ObsoleteRetention: 48 * time.Hour}
	dry, err := r.Prune(ctx, PruneOptions{KeepSnapshots: 2, KeepAge: -1, Grace: 90 * time.Minute, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	before := len(st.keys(""))
	pr, err := r.Prune(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dry.Obsoleted) != fmt.Sprint(pr.Obsoleted) || fmt.Sprint(dry.DeletedSnapshots) != fmt.Sprint(pr.DeletedSnapshots) {
		t.Errorf("dry run %+v differs from run %+v", dry, pr)
	}
	if before == len(st.keys("")) {
		t.Fatal("prune changed nothing")
	}
	// Kept: the head, its parent (the rollback), and the snapshot whose
	// content left the head less than 90 minutes before... none here: the
	// rollback left a-1/b-1 2h ago. Every package except those of the head
	// and the rollback snapshot is obsolete.
	if len(pr.KeptSnapshots) != 2 {
		t.Fatalf("kept %v", pr.KeptSnapshots)
	}
	want := []string{"a-2-1-x86_64.hpkg", "a-3-1-x86_64.hpkg", "a-4-1-x86_64.hpkg"}
	if fmt.Sprint(pr.Obsoleted) != fmt.Sprint(want) {
		t.Fatalf("obsoleted %v, want %v", pr.Obsoleted, want)
	}
	for _, f := range want {
		if _, err := st.Stat(ctx, "master/x86_64/current/packages/.obsolete/"+f); err != nil {
			t.Errorf("%s not in .obsolete/: %v", f, err)
		}
	}
	mustVerify(t, r, true)

	// Removing a from the head: a-5 stays in its grace period, pinned.
	publish(Change{Remove: []string{"a"}})
	pr, err = r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: -1, Grace: 90 * time.Minute, ObsoleteRetention: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(pr.Obsoleted, "a-5-1-x86_64.hpkg") || len(pr.KeptSnapshots) != 2 {
		t.Fatalf("package in grace period obsoleted or not pinned: %+v", pr)
	}
	mustVerify(t, r, false)
	clk.advance(2 * time.Hour)
	pr, err = r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: -1, Grace: 90 * time.Minute, ObsoleteRetention: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pr.Obsoleted, "a-5-1-x86_64.hpkg") || len(pr.KeptSnapshots) != 1 {
		t.Fatalf("after the grace period: %+v", pr)
	}
	mustVerify(t, r, true)

	// Rolling back to a pruned snapshot is impossible; obsolete files expire.
	if _, err := r.Rollback(ctx, ids[0], RollbackOptions{}); err == nil {
		t.Fatal("rollback to a deleted snapshot succeeded")
	}
	clk.advance(49 * time.Hour)
	pr, err = r.Prune(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.DeletedObsolete) != 6 {
		t.Fatalf("deleted obsolete %v", pr.DeletedObsolete)
	}
	if ks := st.keys("master/x86_64/current/packages/"); len(ks) != 0 {
		t.Fatalf("packages left: %v", ks)
	}
	mustVerify(t, r, true)
}

func TestVerifyFindsViolations(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*memStore, *Repo) {
		st := newMemStore()
		r := newTestRepo(t, st)
		mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, "x"))}})
		mustPublish(t, r, Change{Add: []Add{addBytes("b", fakePkg("b", "1-1", pkginfo.ArchX86_64, "y"))}})
		return st, r
	}
	const p = "master/x86_64/"
	cases := []struct {
		name   string
		deep   bool
		check  string
		break_ func(st *memStore, r *Repo)
	}{
		{"missing package", false, "package", func(st *memStore, r *Repo) { st.Delete(ctx, p+"current/packages/a-1-1-x86_64.hpkg") }},
		{"wrong size", false, "package", func(st *memStore, r *Repo) {
			putBytes(ctx, st, p+"current/packages/a-1-1-x86_64.hpkg", []byte("short"), store.PutOptions{})
		}},
		{"wrong content (deep)", true, "package", func(st *memStore, r *Repo) {
			b := fakePkg("a", "1-1", pkginfo.ArchX86_64, "z")
			putBytes(ctx, st, p+"current/packages/a-1-1-x86_64.hpkg", b, store.PutOptions{})
		}},
		{"stale current repo.sha256", false, "current", func(st *memStore, r *Repo) {
			putBytes(ctx, st, p+"current/repo.sha256", []byte(strings.Repeat("0", 64)), store.PutOptions{})
		}},
		{"current repo differs", false, "current", func(st *memStore, r *Repo) {
			putBytes(ctx, st, p+"current/repo", []byte("x"), store.PutOptions{})
		}},
		{"manifest garbage", false, "manifest", func(st *memStore, r *Repo) {
			h, _ := r.ReadHead(ctx)
			m, _ := r.Manifest(ctx, h.Snapshot)
			putBytes(ctx, st, p+".kiln/snapshots/"+m.Parent+"/manifest.json", []byte("{"), store.PutOptions{})
		}},
		{"referenced package obsoleted", false, "package", func(st *memStore, r *Repo) {
			k := p + "current/packages/a-1-1-x86_64.hpkg"
			b := getKey(t, st, k)
			putBytes(ctx, st, p+"current/packages/.obsolete/a-1-1-x86_64.hpkg", b, store.PutOptions{})
			st.Delete(ctx, k)
		}},
		{"lease far ahead", false, "lease", func(st *memStore, r *Repo) {
			putBytes(ctx, st, p+".kiln/lease.json", []byte(`{"holder":"x","expires":"2999-01-01T00:00:00Z"}`), store.PutOptions{})
		}},
		{"snapshot repo.info tampered", false, "snapshot", func(st *memStore, r *Repo) {
			h, _ := r.ReadHead(ctx)
			putBytes(ctx, st, p+".kiln/snapshots/"+h.Snapshot+"/repo.info", []byte(`{"name":"other"}`), store.PutOptions{})
		}},
		{"snapshot repo tampered", false, "snapshot", func(st *memStore, r *Repo) {
			h, _ := r.ReadHead(ctx)
			putBytes(ctx, st, p+".kiln/snapshots/"+h.Snapshot+"/repo", []byte("FAKEHPKR\n{}"), store.PutOptions{})
		}},
		{"snapshot repo planted", false, "snapshot", func(st *memStore, r *Repo) {
			h, _ := r.ReadHead(ctx)
			putBytes(ctx, st, p+".kiln/snapshots/"+h.Snapshot+"/repo", []byte("not a repository"), store.PutOptions{})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, r := setup(t)
			mustVerify(t, r, true)
			tc.break_(st, r)
			rp, err := r.Verify(ctx, VerifyOptions{Deep: tc.deep})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, pr := range rp.Problems {
				found = found || pr.Check == tc.check
			}
			if !found {
				t.Fatalf("no %q problem reported: %v", tc.check, rp.Problems)
			}
			for _, pr := range rp.Problems {
				// A repo whose hash differs is not the file publish wrote
				// and is never parsed (it may be hostile).
				if strings.Contains(pr.Msg, "does not read back") {
					t.Errorf("parsed a repo whose SHA-256 differs: %v", pr)
				}
			}
		})
	}
}

func TestPublishRepairsCurrent(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	putBytes(ctx, st, "master/x86_64/current/repo", []byte("torn"), store.PutOptions{})
	st.Delete(ctx, "master/x86_64/current/repo.sha256")
	res := mustPublish(t, r, Change{Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	if !res.Repaired || !res.Unchanged {
		t.Fatalf("result %+v", res)
	}
	mustVerify(t, r, true)
}
