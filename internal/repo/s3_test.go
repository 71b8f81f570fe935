package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func s3RepoInfo() *pkginfo.RepositoryInfo {
	i := testRepoInfo(pkginfo.ArchX86_64)
	i.BaseURL = "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current"
	return i
}

// TestS3EndToEnd publishes real packages to a real versitygw, signs,
// rolls back, prunes and verifies.
func TestS3EndToEnd(t *testing.T) {
	srv := s3test.StartVersity(t)
	ctx := context.Background()
	st := srv.Store(t, "e2e")
	clk := &testClock{time.Now().UTC()}
	r := New(st, testTarget, Options{Now: clk.now})
	_, priv, _ := minisign.GenerateKey(nil)
	sign := NewMinisignSignerFromKey(priv)
	var adds []Add
	for i := range 5 {
		adds = append(adds, addBytes("p", realPkg(t, fmt.Sprintf("pkg%d", i), "1-1", pkginfo.ArchX86_64, 20000)))
	}
	first, err := r.Publish(ctx, Change{Info: s3RepoInfo(), Add: adds, Signer: sign})
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("p", realPkg(t, "pkg0", "2-1", pkginfo.ArchX86_64, 30000))}, Remove: []string{"pkg4"}, Signer: sign}); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	mustVerify(t, r, true)
	if _, err := r.Rollback(ctx, first.Snapshot, RollbackOptions{Signer: sign}); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	if _, err := r.Rollback(ctx, "head~1", RollbackOptions{Signer: sign}); err != nil {
		t.Fatal(err)
	}
	clk.advance(2 * time.Hour)
	pr, err := r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: -1, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pr.Obsoleted) != "[pkg0-1-1-x86_64.hpkg pkg4-1-1-x86_64.hpkg]" || len(pr.DeletedSnapshots) != 3 {
		t.Fatalf("prune: %+v", pr)
	}
	rp := mustVerify(t, r, true)
	if rp.Packages != 4 || rp.Hashed != 4 {
		t.Fatalf("verify: %+v", rp)
	}
	if _, err := st.Stat(ctx, "master/x86_64/current/packages/.obsolete/pkg4-1-1-x86_64.hpkg"); err != nil {
		t.Fatal(err)
	}
}

// TestS3Faults publishes through a proxy that answers 500/503, drops
// connections, loses responses and delays requests. Every publish must
// succeed or fail cleanly: the served repository stays consistent, and
// after a failure a repair (what the next publish does first) makes verify
// pass.
func TestS3Faults(t *testing.T) {
	srv := s3test.StartVersity(t)
	// With retries most publishes succeed; without, many fail midway.
	for _, attempts := range []int{4, 1} {
		t.Run(fmt.Sprint("attempts-", attempts), func(t *testing.T) { testS3Faults(t, srv, attempts) })
	}
}

func testS3Faults(t *testing.T, srv *s3test.Server, attempts int) {
	ctx := context.Background()
	prefix := fmt.Sprint("faults", attempts)
	proxy := s3test.StartFaultProxy(t, srv.Endpoint, s3test.Faults{Seed: uint64(attempts), Errors: 0.08, Drops: 0.04, LostResponses: 0.04, Delays: 0.1, Delay: 20 * time.Millisecond})
	faulty := store.WithRetry(proxy.Through(srv).Store(t, prefix), store.RetryPolicy{MaxAttempts: attempts, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond})
	clean := New(srv.Store(t, prefix), testTarget, Options{})
	// The first publish goes through the clean store (repo info).
	mustPublish(t, clean, Change{Info: s3RepoInfo()})
	r := New(faulty, testTarget, Options{LeaseWait: 5 * time.Second, LeaseTTL: 10 * time.Second})
	want := map[string]bool{}
	var okN, failN int
	for i := range 12 {
		c := Change{Add: []Add{addBytes("p", realPkg(t, fmt.Sprintf("pkg%d", i), "1-1", pkginfo.ArchX86_64, 5000+i))}}
		_, err := r.Publish(ctx, c)
		if err == nil {
			okN++
			want[fmt.Sprintf("pkg%d-1-1-x86_64.hpkg", i)] = true
		} else {
			failN++
			t.Logf("publish %d failed cleanly: %v", i, err)
		}
		// Whatever happened, the head is a complete snapshot and every
		// package it lists exists; current/ may only lag behind the head.
		rp, err := clean.Verify(ctx, VerifyOptions{Deep: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rp.Problems {
			if p.Check != "current" {
				t.Fatalf("after publish %d: %s", i, p)
			}
		}
		if len(rp.Problems) > 0 {
			waitLease(t, clean)
			if _, err := clean.Repair(ctx); err != nil {
				t.Fatal(err)
			}
			mustVerify(t, clean, true)
		}
	}
	t.Logf("%d publishes succeeded, %d failed; proxy saw %d requests, disturbed %d", okN, failN, proxy.Requests.Load(), proxy.Injected.Load())
	if proxy.Injected.Load() == 0 || okN == 0 {
		t.Fatal("no faults injected or nothing published")
	}
	// No successfully published package was lost.
	_, m, err := clean.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := m.Files()
	for f := range want {
		if !have[f] {
			t.Errorf("%s was published but is not listed", f)
		}
	}
}

// waitLease waits until a lease left by a failed (faulty) release expires.
func waitLease(t *testing.T, r *Repo) {
	t.Helper()
	for range 200 {
		li, _, err := r.ReadLease(context.Background())
		if err != nil || li.Released || li.Expires.Before(time.Now()) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestS3ConcurrentPublishers runs publishers with their own S3 clients
// against one target: every publish moves the head exactly once and no
// package is lost.
func TestS3ConcurrentPublishers(t *testing.T) {
	srv := s3test.StartVersity(t)
	ctx := context.Background()
	mustPublish(t, New(srv.Store(t, "conc"), testTarget, Options{}), Change{Info: s3RepoInfo()})
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := New(srv.Store(t, "conc"), testTarget, Options{Holder: fmt.Sprint("publisher", i), LeaseWait: time.Minute})
			for j := range 2 {
				b := realPkg(t, fmt.Sprintf("p%d_%d", i, j), "1-1", pkginfo.ArchX86_64, 3000)
				if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("p", b)}}); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("publisher %d: %v", i, err)
		}
	}
	r := New(srv.Store(t, "conc"), testTarget, Options{})
	rp := mustVerify(t, r, true)
	if rp.Packages != 2*n || rp.Snapshots != 2*n+1 {
		t.Fatalf("%d packages in %d snapshots, want %d in %d", rp.Packages, rp.Snapshots, 2*n, 2*n+1)
	}
}

// TestS3ImportInPlace migrates a HaikuPorter-layout prefix on versitygw
// (the real 2013 repo, stand-in package objects) in place, then publishes
// on top of it.
func TestS3ImportInPlace(t *testing.T) {
	srv := s3test.StartVersity(t)
	ctx := context.Background()
	st := srv.Store(t, "import")
	repoBytes, err := os.ReadFile(fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	_, pkgs, err := HPKGCodec{}.ReadRepo(bytes.NewReader(repoBytes), int64(len(repoBytes)))
	if err != nil {
		t.Fatal(err)
	}
	cur := "master/x86/current/"
	putBytes(ctx, st, cur+"repo", repoBytes, store.PutOptions{})
	for _, p := range pkgs {
		putBytes(ctx, st, cur+"packages/"+p.CanonicalFileName(), []byte("stand-in "+p.Name), store.PutOptions{})
	}
	target := Target{Branch: "master", Arch: "x86"}
	cs := &countStore{Store: st}
	r := New(cs, target, Options{})
	if _, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86)}); !errors.Is(err, ErrForeignRepo) {
		t.Fatalf("publish over the HaikuPorter repo: %v", err)
	}
	res, err := r.ImportStore(ctx, st, cur, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 235 || res.Present != 235 {
		t.Fatalf("%+v", res)
	}
	for _, c := range cs.calls {
		if strings.HasPrefix(c, "GET") && strings.Contains(c, "/packages/") {
			t.Fatalf("import read a package: %s", c)
		}
	}
	mustVerify(t, r, false)
	b := realPkg(t, "newpkg", "1-1", pkginfo.ArchX86, 2000)
	if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("n", b)}}); err != nil {
		t.Fatal(err)
	}
	rp := mustVerify(t, r, false)
	if rp.Packages != 236 {
		t.Fatalf("%d packages", rp.Packages)
	}
}
