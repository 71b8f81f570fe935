package reposerve

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/repo"
)

// TestServeFileStore publishes real packages (the tipster fixture and
// generated ones) to a directory store and reads everything back through
// the handler: repo with the HPKR reader, repo.sha256 against it,
// package.list, packages byte for byte, HEAD, Range, conditional GETs and
// the cache headers of current/ and snapshot paths.
func TestServeFileStore(t *testing.T) {
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	res := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{
		fixtureAdd(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"), genPkg(t, "foo", "1.0-1", 3000), genPkg(t, "libc++", "2.1-1", 5000),
	}})
	ts := serve(t, newHandler(t, Options{}, r))
	base := ts.URL + "/repo/master/x86_64/"

	cur := get(t, base+"current/repo")
	if cur.code != 200 {
		t.Fatalf("current/repo: %d %s", cur.code, cur.body)
	}
	want := []string{"foo-1.0-1-x86_64.hpkg", "libc++-2.1-1-x86_64.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}
	got := readRepo(t, cur.body)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("served repo lists %v, want %v", got, want)
	}
	sum := get(t, base+"current/repo.sha256")
	if string(sum.body) != hpkg.RepoSHA256Bytes(cur.body) || string(sum.body[:64]) != res.RepoSHA256 {
		t.Fatalf("repo.sha256 %q does not match the served repo", sum.body)
	}
	if cc := cur.h.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Fatalf("current Cache-Control %q", cc)
	}
	if ct := sum.h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("repo.sha256 Content-Type %q", ct)
	}
	pl := get(t, base+"current/package.list")
	for _, f := range want {
		if !hasLine(string(pl.body), f) {
			t.Fatalf("package.list lacks %s:\n%s", f, pl.body)
		}
	}
	info := get(t, base+"current/repo.info")
	if info.code != 200 || !bytes.Contains(info.body, []byte("HaikuPorts")) {
		t.Fatalf("repo.info: %d %s", info.code, info.body)
	}
	if c := get(t, base+"current/repo.minisig").code; c != 404 {
		t.Fatalf("repo.minisig of an unsigned snapshot: %d", c)
	}

	// Packages, byte for byte, from the fixture file.
	fix, _ := os.ReadFile(filepath.Join(st.Dir(), "master/x86_64/current/packages/tipster-1.1.1-1-x86_64.hpkg"))
	pk := get(t, base+"current/packages/tipster-1.1.1-1-x86_64.hpkg")
	if pk.code != 200 || !bytes.Equal(pk.body, fix) || len(fix) != 49334 {
		t.Fatalf("package: %d, %d bytes (want 49334)", pk.code, len(pk.body))
	}
	if pk.h.Get("Content-Length") != "49334" || pk.h.Get("ETag") == "" || pk.h.Get("Last-Modified") == "" {
		t.Fatalf("package headers %v", pk.h)
	}
	// libc++: '+' is literal in a URL path, and also accepted escaped.
	if c := get(t, base+"current/packages/libc%2B%2B-2.1-1-x86_64.hpkg").code; c != 200 {
		t.Fatalf("escaped libc++: %d", c)
	}

	// HEAD: headers, no body.
	hd := do(t, http.DefaultClient, "HEAD", base+"current/packages/tipster-1.1.1-1-x86_64.hpkg")
	if hd.code != 200 || len(hd.body) != 0 || hd.h.Get("Content-Length") != "49334" {
		t.Fatalf("HEAD: %d %v %d bytes", hd.code, hd.h, len(hd.body))
	}
	// Range.
	rg := do(t, http.DefaultClient, "GET", base+"current/packages/tipster-1.1.1-1-x86_64.hpkg", "Range", "bytes=100-199")
	if rg.code != 206 || !bytes.Equal(rg.body, fix[100:200]) || rg.h.Get("Content-Range") != "bytes 100-199/49334" {
		t.Fatalf("Range: %d %q %d bytes", rg.code, rg.h.Get("Content-Range"), len(rg.body))
	}
	tail := do(t, http.DefaultClient, "GET", base+"current/repo", "Range", "bytes=-16")
	if tail.code != 206 || !bytes.Equal(tail.body, cur.body[len(cur.body)-16:]) {
		t.Fatalf("suffix range: %d", tail.code)
	}
	if c := do(t, http.DefaultClient, "GET", base+"current/repo", "Range", "bytes=999999999-").code; c != 416 {
		t.Fatalf("unsatisfiable range: %d", c)
	}
	// Conditional GET.
	if c := do(t, http.DefaultClient, "GET", base+"current/repo", "If-None-Match", cur.h.Get("ETag")).code; c != 304 {
		t.Fatalf("If-None-Match: %d", c)
	}

	// The snapshot route: the same bytes, immutable caching.
	sn := get(t, base+res.Snapshot+"/repo")
	if sn.code != 200 || !bytes.Equal(sn.body, cur.body) {
		t.Fatalf("snapshot repo: %d", sn.code)
	}
	if cc := sn.h.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Fatalf("snapshot Cache-Control %q", cc)
	}
	sp := get(t, base+res.Snapshot+"/packages/foo-1.0-1-x86_64.hpkg")
	if sp.code != 200 || sp.h.Get("Cache-Control") != immutableCache {
		t.Fatalf("snapshot package: %d %v", sp.code, sp.h)
	}
	// Not listed: a file dropped into current/packages/ by hand, and a
	// package of another version.
	os.WriteFile(filepath.Join(st.Dir(), "master/x86_64/current/packages/evil-1-1-x86_64.hpkg"), []byte("x"), 0o644)
	for _, p := range []string{"current/packages/evil-1-1-x86_64.hpkg", "current/packages/foo-1.0-2-x86_64.hpkg", res.Snapshot + "/packages/evil-1-1-x86_64.hpkg"} {
		if c := get(t, base+p).code; c != 404 {
			t.Fatalf("%s: %d, want 404", p, c)
		}
	}
}

// TestServeRemovedPackage: a package the head no longer lists is 404 on
// current/ although its file stays in current/packages/ until prune, and
// still served by the route of the snapshot that lists it.
func TestServeRemovedPackage(t *testing.T) {
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	first := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000), genPkg(t, "bar", "1.0-1", 1000)}})
	publish(t, r, repo.Change{Remove: []string{"bar"}})
	ts := serve(t, newHandler(t, Options{}, r))
	base := ts.URL + "/repo/master/x86_64/"
	if _, err := os.Stat(filepath.Join(st.Dir(), "master/x86_64/current/packages/bar-1.0-1-x86_64.hpkg")); err != nil {
		t.Fatal("the removed file should still be stored:", err)
	}
	if c := get(t, base+"current/packages/bar-1.0-1-x86_64.hpkg").code; c != 404 {
		t.Fatalf("removed package on current/: %d", c)
	}
	if c := get(t, base+first.Snapshot+"/packages/bar-1.0-1-x86_64.hpkg").code; c != 200 {
		t.Fatalf("removed package on its snapshot: %d", c)
	}
}

// TestServeHalfDonePublish: a publish that moved the head but left
// current/ stale, and current/ files that changed without the head, are
// both answered from the head snapshot's files: repo.sha256 always
// matches repo.
func TestServeHalfDonePublish(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	s1 := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	h := newHandler(t, Options{}, r)
	ts := serve(t, h)
	base := ts.URL + "/repo/master/x86_64/current/"
	consistent := func(wantSnap string, wantPkgs ...string) {
		t.Helper()
		rp, sum := get(t, base+"repo"), get(t, base+"repo.sha256")
		if string(sum.body) != hpkg.RepoSHA256Bytes(rp.body) {
			t.Fatalf("served repo.sha256 %q does not match the served repo (%s)", sum.body, hpkg.RepoSHA256Bytes(rp.body))
		}
		m, err := r.Manifest(ctx, wantSnap)
		if err != nil {
			t.Fatal(err)
		}
		if string(sum.body[:64]) != m.RepoSHA256 {
			t.Fatalf("served %q, want snapshot %s", sum.body, wantSnap)
		}
		got := readRepo(t, rp.body)
		slices.Sort(got)
		if !slices.Equal(got, wantPkgs) {
			t.Fatalf("served %v, want %v", got, wantPkgs)
		}
		for _, p := range wantPkgs {
			if c := get(t, base+"packages/"+p).code; c != 200 {
				t.Fatalf("package %s: %d", p, c)
			}
		}
	}
	consistent(s1.Snapshot, "foo-1.0-1-x86_64.hpkg")

	// A publish that got as far as moving the head: current/ still holds
	// the first snapshot's repo and repo.sha256.
	old := map[string][]byte{}
	for _, f := range []string{"repo", "repo.sha256", "package.list"} {
		old[f], _ = os.ReadFile(filepath.Join(st.Dir(), "master/x86_64/current", f))
	}
	s2 := publish(t, r, repo.Change{Add: []repo.Add{genPkg(t, "bar", "2.0-1", 1000)}})
	for f, b := range old {
		if _, err := st.Put(ctx, r.CurrentKey(f), bytes.NewReader(b), int64(len(b)), storePut()); err != nil {
			t.Fatal(err)
		}
	}
	// Not refreshed yet: the old head, consistently.
	consistent(s1.Snapshot, "foo-1.0-1-x86_64.hpkg")
	if err := h.Refresh(ctx, testTarget); err != nil {
		t.Fatal(err)
	}
	consistent(s2.Snapshot, "bar-2.0-1-x86_64.hpkg", "foo-1.0-1-x86_64.hpkg")

	// The reverse: current/ half rewritten (a new repo, the old sum) while
	// the head stays: still the head's files.
	junk := []byte("not a repository")
	st.Put(ctx, r.CurrentKey("repo"), bytes.NewReader(junk), int64(len(junk)), storePut())
	if err := h.Refresh(ctx, testTarget); err != nil {
		t.Fatal(err)
	}
	consistent(s2.Snapshot, "bar-2.0-1-x86_64.hpkg", "foo-1.0-1-x86_64.hpkg")
}

// TestServeRollback: a rollback changes what is served after Refresh.
func TestServeRollback(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	s1 := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	publish(t, r, repo.Change{Add: []repo.Add{genPkg(t, "foo", "1.1-1", 1000), genPkg(t, "bar", "1-1", 500)}})
	h := newHandler(t, Options{}, r)
	ts := serve(t, h)
	base := ts.URL + "/repo/master/x86_64/current/"
	names := func() []string {
		got := readRepo(t, get(t, base+"repo").body)
		slices.Sort(got)
		return got
	}
	if got := names(); !slices.Equal(got, []string{"bar-1-1-x86_64.hpkg", "foo-1.1-1-x86_64.hpkg"}) {
		t.Fatalf("before rollback: %v", got)
	}
	rb, err := r.Rollback(ctx, s1.Snapshot, repo.RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Refresh(ctx, testTarget); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"foo-1.0-1-x86_64.hpkg"}) {
		t.Fatalf("after rollback: %v", got)
	}
	if c := get(t, base+"packages/bar-1-1-x86_64.hpkg").code; c != 404 {
		t.Fatalf("package of the rolled-back snapshot on current/: %d", c)
	}
	var ti TargetInfo
	decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
	if ti.Head != rb.Snapshot || ti.Packages != 1 || len(ti.Snapshots) != 3 || ti.Snapshots[0] != rb.Snapshot {
		t.Fatalf("listing after rollback: %+v", ti)
	}
}

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatalf("%v:\n%s", err, b)
	}
}
