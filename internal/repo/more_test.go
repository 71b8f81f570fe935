package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// slowStore delays package uploads.
type slowStore struct {
	store.Store
	delay time.Duration
}

func (s slowStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	if strings.Contains(key, "/packages/") {
		time.Sleep(s.delay)
	}
	return s.Store.Put(ctx, key, r, size, o)
}

// TestLeaseRenewedDuringLongPublish: a publish that takes several lease
// TTLs keeps its lease (renewed in the background); nobody else gets it.
func TestLeaseRenewedDuringLongPublish(t *testing.T) {
	st := newMemStore()
	ctx := context.Background()
	mustPublish(t, newTestRepo(t, st), Change{Info: testRepoInfo(pkginfo.ArchX86_64)})
	ttl := time.Second
	slow := New(slowStore{st, 350 * time.Millisecond}, testTarget, Options{Codec: fakeCodec{}, LeaseTTL: ttl, Concurrency: 1, Holder: "slow"})
	var adds []Add
	for i := range 8 {
		adds = append(adds, addBytes("p", fakePkg(fmt.Sprint("p", i), "1-1", pkginfo.ArchX86_64, "")))
	}
	done := make(chan error, 1)
	go func() { _, err := slow.Publish(ctx, Change{Add: adds}); done <- err }()
	other := New(st, testTarget, Options{Codec: fakeCodec{}, LeaseTTL: ttl, LeaseWait: -1, Holder: "other"})
	time.Sleep(50 * time.Millisecond)
	tries := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("long publish: %v", err)
			}
			if tries < 5 {
				t.Fatalf("only %d takeover attempts during the publish", tries)
			}
			_, m, _ := other.Current(ctx)
			if len(m.Packages) != 8 {
				t.Fatalf("%d packages", len(m.Packages))
			}
			return
		default:
		}
		tries++
		l, _, err := other.acquire(ctx, "test")
		if err == nil {
			l.release(ctx)
			select {
			case <-done:
				// The publish finished between the checks.
				continue
			default:
			}
			t.Fatal("took the lease of a publish in progress (not renewed)")
		}
		if !errors.Is(err, ErrLeaseHeld) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// failingStore fails every package upload after the first n.
type failingStore struct {
	store.Store
	n, seen atomic.Int64
}

func (s *failingStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	if strings.Contains(key, "/packages/") && s.seen.Add(1) > s.n.Load() {
		return store.ObjectInfo{}, errors.New("injected failure")
	}
	return s.Store.Put(ctx, key, r, size, o)
}

// TestImportHaikuPorterDirResume imports a HaikuPorter repository directory
// (repo + packages/ with one 0-byte stub whose file is already in the
// store), interrupted after two uploads and resumed.
func TestImportHaikuPorterDirResume(t *testing.T) {
	ctx := context.Background()
	fs := newFileStore(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "packages"), 0o755)
	info := s3RepoInfo()
	var infos []pkginfo.PackageInfo
	for i := range 6 {
		b := realPkg(t, fmt.Sprint("imp", i), "1-1", pkginfo.ArchX86_64, 4000+i)
		pi, err := HPKGCodec{}.ReadPackage(strings.NewReader(string(b)), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		pi.Checksum, _ = hashReaderAt(strings.NewReader(string(b)), int64(len(b)))
		infos = append(infos, pi)
		name := filepath.Join(dir, "packages", pi.CanonicalFileName())
		if i == 0 { // a stub; the real file is in the store already
			os.WriteFile(name, nil, 0o644)
			putBytes(ctx, fs, "master/x86_64/current/packages/"+pi.CanonicalFileName(), b, store.PutOptions{})
			continue
		}
		os.WriteFile(name, b, 0o644)
	}
	f, _ := os.Create(filepath.Join(dir, "repo"))
	if err := hpkg.WriteRepository(f, *info, infos); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var w strings.Builder
	if err := pkginfo.WriteRepositoryInfo(&w, info); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "repo.info"), []byte(w.String()), 0o644)

	fail := &failingStore{Store: fs}
	fail.n.Store(2)
	if _, err := New(fail, testTarget, Options{Concurrency: 1}).ImportDir(ctx, dir, ImportOptions{}); err == nil {
		t.Fatal("interrupted import succeeded")
	}
	if _, err := fs.Stat(ctx, "master/x86_64/.kiln/import.json"); err != nil {
		t.Fatalf("no checkpoint: %v", err)
	}
	r := New(fs, testTarget, Options{Now: func() time.Time { return time.Now().Add(time.Hour) }})
	res, err := r.ImportDir(ctx, dir, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 6 || res.Uploaded != 3 || res.Present != 3 {
		t.Fatalf("resumed import: %d packages, %d uploaded, %d present", res.Packages, res.Uploaded, res.Present)
	}
	if _, err := fs.Stat(ctx, "master/x86_64/.kiln/import.json"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("checkpoint left behind: %v", err)
	}
	mustVerify(t, r, true)
}

func TestFirstPublishRefusesForeignRepo(t *testing.T) {
	st := newMemStore()
	ctx := context.Background()
	putBytes(ctx, st, "master/x86_64/current/repo", []byte("HaikuPorter's"), store.PutOptions{})
	r := newTestRepo(t, st)
	_, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", fakePkg("a", "1-1", pkginfo.ArchX86_64, ""))}})
	if !errors.Is(err, ErrForeignRepo) || !strings.Contains(err.Error(), "kiln repo import store:master/x86_64/current") {
		t.Fatalf("publish over a foreign repo: %v", err)
	}
}

func TestSpoolPackage(t *testing.T) {
	st := newMemStore()
	r := New(st, testTarget, Options{})
	b := realPkg(t, "spooled", "1-1", pkginfo.ArchX86_64, 10000)
	a, cleanup, err := SpoolPackage(strings.NewReader(string(b)), t.TempDir(), "stream")
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	res, err := r.Publish(context.Background(), Change{Info: s3RepoInfo(), Add: []Add{a}})
	if err != nil || fmt.Sprint(res.Added) != "[spooled-1-1-x86_64.hpkg]" {
		t.Fatalf("%v %+v", err, res)
	}
	mustVerify(t, r, true)
}

// TestImportFromOtherStore copies a HaikuPorter-layout prefix of one store
// into another, checking contents against the source repo's checksums.
func TestImportFromOtherStore(t *testing.T) {
	ctx := context.Background()
	src := newFileStore(t)
	var infos []pkginfo.PackageInfo
	files := map[string][]byte{}
	for i := range 4 {
		b := realPkg(t, fmt.Sprint("cp", i), "1-1", pkginfo.ArchX86_64, 3000+i)
		pi, _ := HPKGCodec{}.ReadPackage(strings.NewReader(string(b)), int64(len(b)))
		pi.Checksum, _ = hashReaderAt(strings.NewReader(string(b)), int64(len(b)))
		infos = append(infos, pi)
		files[pi.CanonicalFileName()] = b
		putBytes(ctx, src, "hp/current/packages/"+pi.CanonicalFileName(), b, store.PutOptions{})
	}
	var repoBuf strings.Builder
	if err := hpkg.WriteRepository(&repoBuf, *s3RepoInfo(), infos); err != nil {
		t.Fatal(err)
	}
	putBytes(ctx, src, "hp/current/repo", []byte(repoBuf.String()), store.PutOptions{})

	// A source file that does not match the repo's checksum is refused.
	bad := newMemStore()
	for k, b := range files {
		if strings.HasPrefix(k, "cp2") {
			b = append([]byte(nil), b...)
			b[len(b)-1] ^= 1
		}
		putBytes(ctx, bad, "hp/current/packages/"+k, b, store.PutOptions{})
	}
	putBytes(ctx, bad, "hp/current/repo", []byte(repoBuf.String()), store.PutOptions{})
	if _, err := New(newMemStore(), testTarget, Options{}).ImportStore(ctx, bad, "hp/current", ImportOptions{}); err == nil || !strings.Contains(err.Error(), "cp2") {
		t.Fatalf("corrupt source accepted: %v", err)
	}

	dst := newMemStore()
	r := New(dst, testTarget, Options{})
	res, err := r.ImportStore(ctx, src, "hp/current", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 4 || res.Uploaded != 4 {
		t.Fatalf("%+v", res)
	}
	mustVerify(t, r, true)
}

func TestPublishStatOutcome(t *testing.T) {
	for _, tc := range []struct {
		s    PublishStat
		want string
	}{
		{PublishStat{Result: &Result{Snapshot: "s"}}, "ok"},
		{PublishStat{Result: &Result{Unchanged: true}}, "unchanged"},
		{PublishStat{Err: fmt.Errorf("guard: %w", ErrRefused)}, "refused"},
		{PublishStat{Err: fmt.Errorf("x: %w", ErrLeaseHeld)}, "lease_held"},
		{PublishStat{Err: fmt.Errorf("x: %w", ErrDowngrade)}, "invalid"},
		{PublishStat{Err: fmt.Errorf("x: %w", ErrSnapshotNotFound)}, "invalid"},
		{PublishStat{Err: errors.New("disk on fire")}, "error"},
	} {
		if got := tc.s.Outcome(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.s, got, tc.want)
		}
	}
}
