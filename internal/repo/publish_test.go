package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

var testTarget = Target{Branch: "master", Arch: "x86_64"}

func newTestRepo(t *testing.T, st store.Store) *Repo {
	t.Helper()
	return New(st, testTarget, Options{Codec: fakeCodec{}, LeaseWait: 10 * time.Second})
}

func addBytes(name string, b []byte) Add {
	return Add{Name: name, R: bytes.NewReader(b), Size: int64(len(b))}
}

func mustPublish(t *testing.T, r *Repo, c Change) *Result {
	t.Helper()
	res, err := r.Publish(context.Background(), c)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return res
}

func getKey(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	b, _, err := getSmall(context.Background(), st, key, 1<<30)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

func TestPublishFirstAndReplace(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	a1 := fakePkg("alpha", "1.0-1", pkginfo.ArchX86_64, "a1")
	b1 := fakePkg("beta", "2.0-1", pkginfo.ArchAny, "b1")
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("a", a1)}}); err == nil {
		t.Fatal("first publish without repo info succeeded")
	}
	res := mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", a1), addBytes("b", b1)}})
	if res.Packages != 2 || len(res.Added) != 2 || res.Parent != "" {
		t.Fatalf("result %+v", res)
	}
	for _, k := range []string{"alpha-1.0-1-x86_64.hpkg", "beta-2.0-1-any.hpkg"} {
		if got := getKey(t, st, "master/x86_64/current/packages/"+k); !bytes.Equal(got, map[bool][]byte{true: a1, false: b1}[k[0] == 'a']) {
			t.Errorf("%s content differs", k)
		}
	}
	sum := getKey(t, st, "master/x86_64/current/repo.sha256")
	if string(sum) != res.RepoSHA256 || len(sum) != 64 {
		t.Fatalf("repo.sha256 %q, result %s", sum, res.RepoSHA256)
	}
	if got := string(getKey(t, st, "master/x86_64/current/package.list")); got != "alpha-1.0-1-x86_64.hpkg\nbeta-2.0-1-any.hpkg\n" {
		t.Errorf("package.list %q", got)
	}

	// Same again: nothing changes, no snapshot.
	again := mustPublish(t, r, Change{Add: []Add{addBytes("a", a1)}})
	if !again.Unchanged || again.Snapshot != res.Snapshot {
		t.Fatalf("republish: %+v", again)
	}

	// Removing a name the head does not list is an error naming it and
	// changes nothing, unless IgnoreMissing.
	a2 := fakePkg("alpha", "1.1-1", pkginfo.ArchX86_64, "a2")
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("a2", a2)}, Remove: []string{"beta", "nonexistent"}}); !errors.Is(err, ErrNotListed) ||
		!strings.Contains(err.Error(), `"nonexistent"`) || strings.Contains(err.Error(), `"beta"`) {
		t.Fatalf("remove of an unlisted name: %v", err)
	}
	if _, m, _ := r.Current(ctx); m.ID != res.Snapshot {
		t.Fatalf("a refused removal moved the head to %s", m.ID)
	}
	// Replace alpha with a newer version, remove beta.
	res2 := mustPublish(t, r, Change{Add: []Add{addBytes("a2", a2)}, Remove: []string{"beta", "nonexistent"}, IgnoreMissing: true})
	if res2.Parent != res.Snapshot || fmt.Sprint(res2.Added) != "[alpha-1.1-1-x86_64.hpkg]" ||
		fmt.Sprint(res2.Removed) != "[alpha-1.0-1-x86_64.hpkg beta-2.0-1-any.hpkg]" {
		t.Fatalf("result %+v", res2)
	}
	_, m, err := r.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != 1 || m.Packages[0].Info.Version.String() != "1.1-1" {
		t.Fatalf("manifest packages %+v", m.Packages)
	}

	// Downgrade refused unless allowed.
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("a1", a1)}}); !errors.Is(err, ErrDowngrade) {
		t.Fatalf("downgrade: %v", err)
	}
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("a1", a1)}, AllowDowngrade: true}); err != nil {
		t.Fatalf("allowed downgrade: %v", err)
	}
	// The file of alpha 1.0 is still the same one (immutable, re-listed).
	if got := getKey(t, st, "master/x86_64/current/packages/alpha-1.0-1-x86_64.hpkg"); !bytes.Equal(got, a1) {
		t.Error("alpha 1.0 content changed")
	}
}

func TestPublishImmutable(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	a1 := fakePkg("alpha", "1.0-1", pkginfo.ArchX86_64, "one")
	a1other := fakePkg("alpha", "1.0-1", pkginfo.ArchX86_64, "two")
	mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("a", a1)}})
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("a'", a1other)}}); !errors.Is(err, ErrImmutable) {
		t.Fatalf("listed package with other content: %v", err)
	}
	// A leftover upload (crashed publish) with other content than re-added.
	b := fakePkg("beta", "1-1", pkginfo.ArchX86_64, "x")
	bOther := fakePkg("beta", "1-1", pkginfo.ArchX86_64, "y")
	putBytes(ctx, st, "master/x86_64/current/packages/beta-1-1-x86_64.hpkg", bOther, store.PutOptions{})
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("b", b)}}); !errors.Is(err, ErrImmutable) {
		t.Fatalf("leftover with other content: %v", err)
	}
	// A leftover with the same content is adopted.
	putBytes(ctx, st, "master/x86_64/current/packages/beta-1-1-x86_64.hpkg", b, store.PutOptions{})
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("b", b)}}); err != nil {
		t.Fatalf("leftover with same content: %v", err)
	}
}

func TestPublishRejects(t *testing.T) {
	r := newTestRepo(t, newMemStore())
	ctx := context.Background()
	info := testRepoInfo(pkginfo.ArchX86_64)
	cases := []struct {
		name string
		c    Change
	}{
		{"wrong arch", Change{Info: info, Add: []Add{addBytes("p", fakePkg("p", "1-1", pkginfo.ArchX86Gcc2, ""))}}},
		{"not a package", Change{Info: info, Add: []Add{addBytes("p", []byte("garbage"))}}},
		{"same name twice", Change{Info: info, Add: []Add{addBytes("p", fakePkg("p", "1-1", pkginfo.ArchAny, "")), addBytes("q", fakePkg("p", "2-1", pkginfo.ArchAny, ""))}}},
		{"repo info of other arch", Change{Info: testRepoInfo(pkginfo.ArchX86)}},
	}
	for _, tc := range cases {
		if _, err := r.Publish(ctx, tc.c); err == nil {
			t.Errorf("%s: publish succeeded", tc.name)
		}
	}
	if _, err := r.ReadHead(ctx); !errors.Is(err, ErrNoHead) {
		t.Errorf("a rejected publish moved the head: %v", err)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	m := &Manifest{Schema: 1, ID: "x", Created: time.Unix(1, 0), Repository: *testRepoInfo(pkginfo.ArchX86_64)}
	for i := range 50 {
		info := pkginfo.PackageInfo{Name: fmt.Sprintf("p%02d", i), Version: pkginfo.Version{Major: "1", Revision: 1}, Architecture: pkginfo.ArchX86_64}
		m.Packages = append(m.Packages, Package{File: info.CanonicalFileName(), SHA256: fmt.Sprintf("%064x", i), Info: info})
	}
	f1, err := generate(fakeCodec{}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2 := *m
	m2.ID, m2.Created = "y", time.Now()
	f2, err := generate(fakeCodec{}, &m2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f1.repo, f2.repo) || !bytes.Equal(f1.packageList, f2.packageList) || !bytes.Equal(f1.repoSHA256, f2.repoSHA256) {
		t.Fatal("same packages gave different repo files")
	}
}

func TestLeaseWaitAndTakeover(t *testing.T) {
	st := newMemStore()
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	a := New(st, testTarget, Options{Codec: fakeCodec{}, Holder: "a", LeaseTTL: time.Minute, LeaseWait: 100 * time.Millisecond, Now: clock})
	b := New(st, testTarget, Options{Codec: fakeCodec{}, Holder: "b", LeaseTTL: time.Minute, LeaseWait: 100 * time.Millisecond, Now: clock})
	l, _, err := a.acquire(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.acquire(ctx, "test"); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second acquire: %v", err)
	}
	// Expired: b takes over, a notices on check.
	now = now.Add(2 * time.Minute)
	lb, _, err := b.acquire(ctx, "test")
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	if err := l.renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew of a lost lease: %v", err)
	}
	l.release(ctx) // must not free b's lease
	if li, _, _ := b.ReadLease(ctx); li.Holder != "b" || li.Released {
		t.Fatalf("lease after a's release: %+v", li)
	}
	lb.release(ctx)
	if li, _, _ := b.ReadLease(ctx); !li.Released {
		t.Fatalf("lease not released: %+v", li)
	}
	if _, _, err := a.acquire(ctx, "test"); err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
}

func TestConcurrentPublishers(t *testing.T) {
	st := newMemStore()
	ctx := context.Background()
	mustPublish(t, newTestRepo(t, st), Change{Info: testRepoInfo(pkginfo.ArchX86_64)})
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := New(st, testTarget, Options{Codec: fakeCodec{}, Holder: fmt.Sprint("p", i), LeaseWait: 20 * time.Second})
			_, errs[i] = r.Publish(ctx, Change{Add: []Add{addBytes("p", fakePkg(fmt.Sprint("pkg", i), "1-1", pkginfo.ArchX86_64, ""))}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("publisher %d: %v", i, err)
		}
	}
	r := newTestRepo(t, st)
	_, m, err := r.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != n {
		t.Fatalf("%d packages listed, want %d (lost update)", len(m.Packages), n)
	}
	// Exactly one head move per publish: the parent chain has n+1 snapshots.
	depth := 0
	for id := m.ID; id != ""; depth++ {
		mm, err := r.Manifest(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		id = mm.Parent
	}
	if depth != n+1 {
		t.Fatalf("chain depth %d, want %d", depth, n+1)
	}
}
