package ui

import (
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
)

// TestSnapshotCache: the snapshots page's list equals repo.Snapshots;
// a manifest once read is not read again (deleting it from the store
// does not change the list, while a fresh reader sees it unreadable);
// new snapshots appear and pruned ones go.
func TestSnapshotCache(t *testing.T) {
	rs, _ := newPackagesServer(t)
	ctx := t.Context()
	r := rs.target.Repo()
	if _, err := r.Publish(ctx, repo.Change{Remove: []string{"glazedoc"}}); err != nil {
		t.Fatal(err)
	}
	var c snapshotCache
	same := func(what string, got, want []repo.SnapshotInfo) {
		t.Helper()
		if !slices.EqualFunc(got, want, func(a, b repo.SnapshotInfo) bool {
			return a.ID == b.ID && a.Parent == b.Parent && a.Created.Equal(b.Created) && a.Reason == b.Reason &&
				a.Packages == b.Packages && a.RepoSHA256 == b.RepoSHA256 && a.Head == b.Head && a.InHistory == b.InHistory &&
				(a.Err == nil) == (b.Err == nil)
		}) {
			t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
		}
	}
	want, err := r.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.list(ctx, rs.target)
	if err != nil {
		t.Fatal(err)
	}
	same("first list", got, want)
	if len(got) < 2 {
		t.Fatalf("%d snapshots", len(got))
	}

	oldest := got[len(got)-1].ID
	if err := r.Store().Delete(ctx, "master/x86_64/.kiln/snapshots/"+oldest+"/"+repo.FileManifest); err != nil {
		t.Fatal(err)
	}
	// A new Repo: r keeps the last manifest it read.
	fresh, err := repo.New(r.Store(), r.Target(), repo.Options{}).Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(fresh, func(s repo.SnapshotInfo) bool { return s.ID == oldest }); i < 0 || fresh[i].Err == nil {
		t.Fatalf("deleting %s's manifest did not make it unreadable: %+v", oldest, fresh)
	}
	// r's own one-manifest cache now holds the head, not the oldest.
	if _, err := r.Manifest(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	again, err := c.list(ctx, rs.target)
	if err != nil {
		t.Fatal(err)
	}
	same("cached list", again, got)

	res, err := r.Publish(ctx, repo.Change{Remove: []string{"libglaze_devel"}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.list(ctx, rs.target)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(got)+1 || after[0].ID != res.Snapshot || !after[0].Head || after[1].Head || !after[1].InHistory {
		t.Errorf("after a publish: %+v", after)
	}
}
