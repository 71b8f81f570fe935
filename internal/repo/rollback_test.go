package repo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// TestRollbackToHeadIsUnchanged: rolling back to the head (or to a snapshot
// with the head's content) writes nothing and says so.
func TestRollbackToHeadIsUnchanged(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	first := mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	before := memSnapshot(st)
	for _, id := range []string{"head", first.Snapshot} {
		res, err := r.Rollback(ctx, id, RollbackOptions{})
		if err != nil || !res.Unchanged || res.Snapshot != first.Snapshot {
			t.Fatalf("rollback to %s: %+v, %v", id, res, err)
		}
		if after := memSnapshot(st); len(after) != len(before) {
			t.Fatalf("rollback to %s wrote %d objects", id, len(after)-len(before))
		}
	}
	// Two rollbacks to the same snapshot: the second is unchanged.
	mustPublish(t, r, Change{Remove: []string{"a"}})
	if res, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{}); err != nil || res.Unchanged {
		t.Fatalf("rollback: %+v, %v", res, err)
	}
	if res, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{}); err != nil || !res.Unchanged {
		t.Fatalf("second rollback: %+v, %v", res, err)
	}
}

// TestRollbackAndPruneAskTheGuard: rollback and prune --active publish
// under the same Guard as Publish; a refusal changes nothing.
func TestRollbackAndPruneAskTheGuard(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	first := mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	mustPublish(t, r, Change{Add: []Add{addBytes("b", fakePkg("b", "1-1", pkginfo.ArchX86_64, ""))}})
	var asked [][2]int
	refuse := func(_ context.Context, old, new []pkginfo.PackageInfo) error {
		asked = append(asked, [2]int{len(old), len(new)})
		return errors.New("no")
	}
	before := memSnapshot(st)
	if _, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{Guard: refuse}); !errors.Is(err, ErrRefused) {
		t.Fatalf("refused rollback: %v", err)
	}
	if _, err := r.Prune(ctx, PruneOptions{Active: map[string]pkginfo.Version{"a": mustVersion(t, "1-1")}, Guard: refuse, AllowMassRemoval: true}); !errors.Is(err, ErrRefused) {
		t.Fatalf("refused prune: %v", err)
	}
	if len(asked) != 2 || asked[0] != [2]int{2, 1} || asked[1] != [2]int{2, 1} {
		t.Fatalf("guard asked with %v", asked)
	}
	after := memSnapshot(st)
	delete(before, "master/x86_64/.kiln/lease.json")
	delete(after, "master/x86_64/.kiln/lease.json")
	if len(after) != len(before) {
		t.Fatalf("a refusal changed the store: %d objects, was %d", len(after), len(before))
	}
	allow := func(context.Context, []pkginfo.PackageInfo, []pkginfo.PackageInfo) error { return nil }
	if res, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{Guard: allow}); err != nil || res.Packages != 1 {
		t.Fatalf("allowed rollback: %+v, %v", res, err)
	}
}

func mustVersion(t *testing.T, s string) pkginfo.Version {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRollbackPastUnreadableHead: a head whose manifest an older kiln wrote
// unreadable (here: a version the reader refuses) bricks list and publish,
// but a rollback to an explicit older snapshot recovers the target.
func TestRollbackPastUnreadableHead(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	first := mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	second := mustPublish(t, r, Change{Add: []Add{addBytes("b", fakePkg("b", "1-1", pkginfo.ArchX86_64, ""))}})
	key := "master/x86_64/.kiln/snapshots/" + second.Snapshot + "/manifest.json"
	b := strings.Replace(string(getKey(t, st, key)), `"version":"1-1"`, `"version":"1..2-1"`, 1)
	if _, err := st.Put(ctx, key, strings.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r = newTestRepo(t, st) // no cached manifest
	if _, err := r.ResolveSnapshot(ctx, "head"); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("list of a bricked head: %v", err)
	}
	if _, err := r.Rollback(ctx, "head~1", RollbackOptions{}); err == nil || !strings.Contains(err.Error(), "kiln repo snapshots") {
		t.Fatalf("rollback head~1 past an unreadable head: %v", err)
	}
	res, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{})
	if err != nil {
		t.Fatalf("rollback past an unreadable head: %v", err)
	}
	_, m, err := r.Current(ctx)
	if err != nil || m.ID != res.Snapshot || m.Parent != second.Snapshot || len(m.Packages) != 1 {
		t.Fatalf("after rollback: %+v, %v", m, err)
	}
	if got := string(getKey(t, st, "master/x86_64/current/package.list")); got != "a-1-1-x86_64.hpkg\n" {
		t.Fatalf("current/package.list %q", got)
	}
	mustPublish(t, r, Change{Add: []Add{addBytes("c", fakePkg("c", "1-1", pkginfo.ArchX86_64, ""))}})
}
