package mirror

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// packageFiles lists current/packages/ (not .obsolete/).
func packageFiles(t *testing.T, st store.Store) []string {
	t.Helper()
	var out []string
	st.List(context.Background(), "master/x86_64/current/packages/", "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			out = append(out, strings.TrimPrefix(oi.Key, "master/x86_64/current/packages/"))
		}
		return nil
	})
	return out
}

// TestMirrorDelete: after the source's prune keeps only the head, a plain
// pass leaves the mirror as it was and a pass with Delete removes the
// pruned snapshots (an interrupted removal, with only the manifest gone,
// is finished by the next pass) and the package files no remaining
// snapshot or build-packages repository lists; the mirror then has the
// source's snapshots and packages and verifies deep.
func TestMirrorDelete(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	r := populate(t, src)
	mustMirror(t, src, dst, Options{})
	pr, err := r.Prune(ctx, repo.PruneOptions{KeepSnapshots: 1, KeepAge: time.Nanosecond, Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.SnapshotIDs(ctx)
	if len(want) != 1 || len(pr.DeletedSnapshots) != 3 {
		t.Fatalf("prune: %+v, snapshots left %v", pr, want)
	}
	if tr := mustMirror(t, src, dst, Options{}); tr.Deleted.Objects != 0 || tr.Copied.Objects != 0 {
		t.Fatalf("plain pass after the prune: %+v", tr)
	}
	// An interrupted earlier removal: one pruned snapshot lost only its manifest.
	dr := repo.New(dst, testTarget, repo.Options{})
	ids, _ := dr.SnapshotIDs(ctx)
	gone := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == want[0] })
	dst.Delete(ctx, dr.SnapshotKey(gone[0], repo.FileManifest))

	tr := mustMirror(t, src, dst, Options{Delete: true})
	// 3 snapshots: 16 files (one signed) less the manifest already gone;
	// one package: alpha-1-1, beta and gamma stay (the head, a rollback to
	// the second snapshot), alpha-1.1 too (build-packages), delta goes.
	if tr.Deleted.Objects != 15+1 || tr.Copied.Objects != 0 {
		t.Fatalf("pass with Delete: %+v", tr)
	}
	if ids, _ := dr.SnapshotIDs(ctx); !slices.Equal(ids, want) {
		t.Fatalf("mirror snapshots %v, want %v", ids, want)
	}
	if got, want := packageFiles(t, dst), packageFiles(t, src); !slices.Equal(got, want) {
		t.Fatalf("mirror packages %v, source %v", got, want)
	}
	verifyDeep(t, dst)
	if tr := mustMirror(t, src, dst, Options{Delete: true}); tr.Deleted.Objects != 0 || tr.Copied.Objects != 0 {
		t.Fatalf("second pass with Delete: %+v", tr)
	}
}
