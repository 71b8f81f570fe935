package mirror

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func mustMirror(t *testing.T, src, dst store.Store, o Options) TargetResult {
	t.Helper()
	res, err := Mirror(context.Background(), src, dst, o)
	if err != nil {
		t.Fatalf("mirror: %v", err)
	}
	if len(res.Targets) != 1 {
		t.Fatalf("%d targets: %+v", len(res.Targets), res.Targets)
	}
	return res.Targets[0]
}

// TestMirrorBetweenStores mirrors a history of four snapshots and a
// build-packages repository from the directory store to versitygw and
// from versitygw to another directory: each mirror verifies deep and holds
// the same objects; a second run copies nothing and reads no package; a
// new publish costs its package, its snapshot files, the head and the
// changed current/ files.
func TestMirrorBetweenStores(t *testing.T) {
	srv := s3test.StartVersity(t)
	cases := []struct {
		name     string
		src, dst func(t *testing.T) store.Store
	}{
		{"dir-to-versitygw", func(t *testing.T) store.Store { return fileStore(t) }, func(t *testing.T) store.Store { return srv.Store(t, "to") }},
		{"versitygw-to-dir", func(t *testing.T) store.Store { return srv.Store(t, "from") }, func(t *testing.T) store.Store { return fileStore(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			src, dst := c.src(t), c.dst(t)
			r := populate(t, src)
			tr := mustMirror(t, src, dst, Options{})
			// 5 packages; 4 snapshots × 5 or 6 files (one signed); the
			// build-packages repo's 5; head; current/: repo.info, repo,
			// package.list, repo.sha256.
			if want := 5 + 4*5 + 1 + 5 + 1 + 4; tr.Copied.Objects != want || tr.Snapshots != 4 || tr.NewSnapshots != 4 || tr.BuildPackages != 1 || tr.Present.Objects != 0 {
				t.Fatalf("first run: %+v, want %d objects copied", tr, want)
			}
			h, _ := r.ReadHead(ctx)
			if tr.Head != h.Snapshot || tr.PreviousHead != "" {
				t.Fatalf("head %q (was %q), want %s", tr.Head, tr.PreviousHead, h.Snapshot)
			}
			rp := verifyDeep(t, dst)
			if rp.Hashed != 5 || rp.Snapshots != 4 || rp.Head != h.Snapshot {
				t.Fatalf("mirror verify: %+v", rp)
			}
			sameObjects(t, src, dst)

			again := mustMirror(t, src, dst, Options{})
			if again.Copied.Objects != 0 || again.Hashed.Objects != 0 || again.Head != h.Snapshot || again.PreviousHead != h.Snapshot {
				t.Fatalf("second run: %+v", again)
			}

			if _, err := r.Publish(ctx, repo.Change{Add: []repo.Add{add(t, "epsilon", "1-1", 7_000)}}); err != nil {
				t.Fatal(err)
			}
			next := mustMirror(t, src, dst, Options{})
			// epsilon; 5 snapshot files; head; repo, package.list, repo.sha256.
			if next.Copied.Objects != 1+5+1+3 || next.NewSnapshots != 1 || next.Hashed.Objects != 0 || next.Replaced != 0 {
				t.Fatalf("after a publish: %+v", next)
			}
			verifyDeep(t, dst)
			sameObjects(t, src, dst)

			deep := mustMirror(t, src, dst, Options{Deep: true})
			if deep.Copied.Objects != 0 || deep.Hashed.Objects != 6 {
				t.Fatalf("deep run: %+v", deep)
			}
		})
	}
}

// TestMirrorSourceCorrupt: a source package whose bytes do not match its
// manifest (same size, one byte changed) is refused while it streams: it
// does not land at the destination, and the head is not written.
func TestMirrorSourceCorrupt(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	r := populate(t, src)
	key := r.PackageKey("gamma-0.3-1-x86_64.hpkg")
	b, _ := getSmall(ctx, src, key)
	b[len(b)-1] ^= 0xff
	if _, err := src.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := Mirror(ctx, src, dst, Options{})
	if !errors.Is(err, ErrSourceCorrupt) || !bytes.Contains([]byte(err.Error()), []byte("gamma-0.3-1-x86_64.hpkg")) {
		t.Fatalf("mirror of a corrupt source: %v", err)
	}
	if _, err := dst.Stat(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("corrupt package landed: %v", err)
	}
	if _, err := dst.Stat(ctx, r.HeadKey()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("head written: %v", err)
	}
}

// TestMirrorRefusesOtherRepositories: a destination published to on its
// own, or holding a HaikuPorter repository, is left alone.
func TestMirrorRefusesOtherRepositories(t *testing.T) {
	ctx := context.Background()
	src := fileStore(t)
	populate(t, src)

	own := fileStore(t)
	if _, err := repo.New(own, testTarget, repo.Options{}).Publish(ctx, repo.Change{Info: repoInfo(), Add: []repo.Add{add(t, "zeta", "1-1", 100)}}); err != nil {
		t.Fatal(err)
	}
	hp := fileStore(t)
	if _, err := hp.Put(ctx, "master/x86_64/current/repo", bytes.NewReader([]byte("hpkr")), 4, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []store.Store{own, hp} {
		var before []string
		dst.List(ctx, "", "", func(oi store.ObjectInfo) error { before = append(before, oi.Key); return nil })
		_, err := Mirror(ctx, src, dst, Options{})
		if !errors.Is(err, ErrDiverged) {
			t.Fatalf("mirror into %s: %v", dst, err)
		}
		var after []string
		dst.List(ctx, "", "", func(oi store.ObjectInfo) error { after = append(after, oi.Key); return nil })
		if len(after) != len(before) {
			t.Fatalf("mirror wrote into a foreign destination: %d objects before, %d after", len(before), len(after))
		}
	}
	// A source without targets.
	if _, err := Mirror(ctx, fileStore(t), fileStore(t), Options{}); !errors.Is(err, ErrNoTargets) {
		t.Fatalf("empty source: %v", err)
	}
}

// TestMirrorRepairsDamage: a mirror whose package was damaged (same size)
// and whose current/repo.sha256 was lost is repaired by a deep run, and a
// plain run restores a deleted head.
func TestMirrorRepairsDamage(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	r := populate(t, src)
	mustMirror(t, src, dst, Options{})
	key := r.PackageKey("beta-2.0-1-x86_64.hpkg")
	b, _ := getSmall(ctx, dst, key)
	b[100] ^= 1
	dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{})
	dst.Delete(ctx, r.CurrentKey(repo.FileRepoSHA256))
	if tr := mustMirror(t, src, dst, Options{}); tr.Copied.Objects != 1 || tr.Replaced != 0 {
		t.Fatalf("plain run after damage: %+v (want only repo.sha256 copied)", tr)
	}
	tr := mustMirror(t, src, dst, Options{Deep: true})
	if tr.Copied.Objects != 1 || tr.Replaced != 1 || tr.Hashed.Objects != 5 {
		t.Fatalf("deep run: %+v", tr)
	}
	verifyDeep(t, dst)
	dst.Delete(ctx, r.HeadKey())
	if tr := mustMirror(t, src, dst, Options{}); tr.Copied.Objects != 1 || tr.PreviousHead != "" {
		t.Fatalf("after losing the head: %+v", tr)
	}
	sameObjects(t, src, dst)
}

// TestMirrorRoot: targets below a root prefix are found and copied below
// the same prefix; without it the source holds no target.
func TestMirrorRoot(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	tg := repo.Target{Root: "kiln/", Branch: "r1beta5", Arch: "x86_64"}
	if _, err := repo.New(src, tg, repo.Options{}).Publish(ctx, repo.Change{Info: repoInfo(), Add: []repo.Add{add(t, "alpha", "1-1", 500)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Mirror(ctx, src, dst, Options{}); !errors.Is(err, ErrNoTargets) {
		t.Fatalf("without the root: %v", err)
	}
	res, err := Mirror(ctx, src, dst, Options{Root: "kiln"})
	if err != nil || len(res.Targets) != 1 || res.Targets[0].Target != "r1beta5/x86_64" || res.Targets[0].Copied.Objects != 11 {
		t.Fatalf("with the root: %v %+v", err, res)
	}
	rp, err := repo.New(dst, tg, repo.Options{}).Verify(ctx, repo.VerifyOptions{Deep: true})
	if err != nil || !rp.OK() || rp.Packages != 1 {
		t.Fatalf("verify below the root: %v %+v", err, rp)
	}
}
