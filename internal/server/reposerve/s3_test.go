package reposerve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// TestServeVersity publishes to a real versitygw and checks that every
// route redirects (302) to a presigned URL that downloads exactly the
// object from versitygw; current/repo re-reads with the HPKR reader and
// its repo.sha256 matches; HEAD is answered from a Stat; the redirect's
// caching is bounded by the URL's lifetime.
func TestServeVersity(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartVersity(t)
	st := srv.Store(t, "haikuports")
	r := repo.New(st, testTarget, repo.Options{})
	res := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{
		fixtureAdd(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"), genPkg(t, "foo", "1.0-1", 4000),
	}})
	ts := serve(t, newHandler(t, Options{Prefix: "/", PresignTTL: 10 * time.Minute}, r))
	base := ts.URL + "/master/x86_64/"

	for _, c := range []struct{ path, key string }{
		{"current/repo", r.SnapshotKey(res.Snapshot, "repo")},
		{"current/repo.sha256", r.SnapshotKey(res.Snapshot, "repo.sha256")},
		{"current/repo.info", r.SnapshotKey(res.Snapshot, "repo.info")},
		{"current/package.list", r.SnapshotKey(res.Snapshot, "package.list")},
		{"current/packages/tipster-1.1.1-1-x86_64.hpkg", r.PackageKey("tipster-1.1.1-1-x86_64.hpkg")},
		{res.Snapshot + "/repo", r.SnapshotKey(res.Snapshot, "repo")},
		{res.Snapshot + "/packages/foo-1.0-1-x86_64.hpkg", r.PackageKey("foo-1.0-1-x86_64.hpkg")},
	} {
		rd := do(t, noRedirect, "GET", base+c.path)
		loc := rd.h.Get("Location")
		if rd.code != http.StatusFound || !strings.HasPrefix(loc, srv.Endpoint+"/") || !strings.Contains(loc, "X-Amz-Signature=") || !strings.Contains(loc, "X-Amz-Expires=600") {
			t.Fatalf("%s: %d Location %q", c.path, rd.code, loc)
		}
		wantCC := "private, max-age=300"
		if strings.HasPrefix(c.path, "current/") {
			wantCC = "private, max-age=60"
		}
		if cc := rd.h.Get("Cache-Control"); cc != wantCC {
			t.Fatalf("%s: Cache-Control %q, want %q", c.path, cc, wantCC)
		}
		// The presigned URL downloads the object itself, from versitygw.
		dl := get(t, loc)
		rc, _, err := st.Get(ctx, c.key, store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(rc)
		rc.Close()
		if dl.code != 200 || !bytes.Equal(dl.body, want) || len(want) == 0 {
			t.Fatalf("%s: presigned download %d, %d bytes, want %d", c.path, dl.code, len(dl.body), len(want))
		}
	}
	// Followed by a plain client: the served repo parses and matches its sum.
	rp, sum := get(t, base+"current/repo"), get(t, base+"current/repo.sha256")
	names := readRepo(t, rp.body)
	slices.Sort(names)
	if !slices.Equal(names, []string{"foo-1.0-1-x86_64.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}) {
		t.Fatalf("served repo lists %v", names)
	}
	if string(sum.body) != hpkg.RepoSHA256Bytes(rp.body) {
		t.Fatalf("repo.sha256 %q does not match", sum.body)
	}
	// HEAD: no redirect (a presigned GET URL refuses HEAD), the object's headers.
	hd := do(t, noRedirect, "HEAD", base+"current/packages/tipster-1.1.1-1-x86_64.hpkg")
	if hd.code != 200 || hd.h.Get("Content-Length") != "49334" || hd.h.Get("ETag") == "" || len(hd.body) != 0 {
		t.Fatalf("HEAD: %d %v", hd.code, hd.h)
	}
	for _, p := range []string{"current/packages/bar-1-1-x86_64.hpkg", "current/repo.minisig", "20200101T000000.000Z-00000000/repo"} {
		if c := do(t, noRedirect, "GET", base+p).code; c != 404 {
			t.Errorf("%s: %d", p, c)
		}
	}
}

// TestServePublicBaseURL: with a public base URL, redirects point at
// base/key (what a CDN in front of the bucket serves); a stand-in CDN
// that fetches the key from the store answers the followed redirect.
func TestServePublicBaseURL(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartFake(t)
	st := srv.Store(t, "hp")
	r := repo.New(st, testTarget, repo.Options{})
	res := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "libc++", "1.0-1", 2000)}})
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		key, ok := strings.CutPrefix(req.URL.Path, "/cdn/")
		if !ok {
			http.NotFound(w, req)
			return
		}
		rc, _, err := st.Get(req.Context(), key, store.GetOptions{})
		if err != nil {
			http.NotFound(w, req)
			return
		}
		defer rc.Close()
		io.Copy(w, rc)
	}))
	t.Cleanup(cdn.Close)
	ts := serve(t, newHandler(t, Options{PublicBaseURL: cdn.URL + "/cdn/"}, r))
	base := ts.URL + "/repo/master/x86_64/"
	rd := do(t, noRedirect, "GET", base+"current/packages/libc++-1.0-1-x86_64.hpkg")
	if want := cdn.URL + "/cdn/" + r.PackageKey("libc++-1.0-1-x86_64.hpkg"); rd.code != 302 || rd.h.Get("Location") != want {
		t.Fatalf("%d Location %q, want %q", rd.code, rd.h.Get("Location"), want)
	}
	if cc := rd.h.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Fatalf("current Cache-Control %q", cc)
	}
	sn := do(t, noRedirect, "GET", base+res.Snapshot+"/repo")
	if sn.code != 302 || sn.h.Get("Location") != cdn.URL+"/cdn/"+r.SnapshotKey(res.Snapshot, "repo") || sn.h.Get("Cache-Control") != immutableCache {
		t.Fatalf("snapshot redirect %d %v", sn.code, sn.h)
	}
	got := get(t, base+"current/packages/libc++-1.0-1-x86_64.hpkg")
	rc, _, _ := st.Get(ctx, r.PackageKey("libc++-1.0-1-x86_64.hpkg"), store.GetOptions{})
	want, _ := io.ReadAll(rc)
	rc.Close()
	if got.code != 200 || !bytes.Equal(got.body, want) {
		t.Fatalf("through the CDN: %d, %d bytes", got.code, len(got.body))
	}
	if names := readRepo(t, get(t, base+"current/repo").body); len(names) != 1 || names[0] != "libc++-1.0-1-x86_64.hpkg" {
		t.Fatalf("repo through the CDN: %v", names)
	}
}
