package repo

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestPruneKeepsHead: the strictest rules [retention] makes (keep_last
// unset: KeepSnapshots 1, no age rule, packages retired at once) keep the
// head snapshot and every package it lists, long after it was published,
// also when the head is a rollback to content whose snapshots are pruned.
func TestPruneKeepsHead(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rollback bool
	}{{"newest", false}, {"rollback", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := &testClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			r := New(newMemStore(), testTarget, Options{Codec: fakeCodec{}, Now: clk.now})
			add := func(ver string) Add { return addBytes("a", fakePkg("a", ver, pkginfo.ArchX86_64, "")) }
			mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{add("1-1")}})
			for v := 2; v <= 4; v++ {
				clk.advance(time.Hour)
				mustPublish(t, r, Change{Add: []Add{add(fmt.Sprint(v, "-1"))}})
			}
			if tc.rollback {
				clk.advance(time.Hour)
				if _, err := r.Rollback(ctx, "head~2", RollbackOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			clk.advance(100 * 24 * time.Hour)
			_, head, err := r.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: -1, Grace: -1, ObsoleteRetention: time.Nanosecond})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pr.KeptSnapshots, []string{head.ID}) || slices.Contains(pr.DeletedSnapshots, head.ID) {
				t.Fatalf("kept %v, deleted %v; want only the head %s", pr.KeptSnapshots, pr.DeletedSnapshots, head.ID)
			}
			_, after, err := r.Current(ctx)
			if err != nil || after.ID != head.ID || len(after.Packages) != 1 || after.Packages[0].File != head.Packages[0].File {
				t.Fatalf("head after prune %+v, %v; want %+v", after, err, head)
			}
			for _, f := range pr.Obsoleted {
				if f == head.Packages[0].File {
					t.Errorf("the head's package %s was retired", f)
				}
			}
			mustVerify(t, r, true)
		})
	}
}
