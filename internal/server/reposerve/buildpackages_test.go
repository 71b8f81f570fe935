package reposerve

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/repo"
)

// TestServeBuildPackages: a build-packages repository is served below
// <target>/build-packages/<name>/ after a Refresh: its repo re-reads with
// exactly its packages, repo.sha256 matches, its packages are served
// byte for byte and others are 404, and the listing names it.
func TestServeBuildPackages(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	tip := fixtureAdd(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{tip, genPkg(t, "foo", "1.0-1", 3000), genPkg(t, "bar", "2-1", 100)}})
	h := newHandler(t, Options{}, r)
	ts := serve(t, h)
	base := ts.URL + "/repo/master/x86_64/build-packages/"
	if got := get(t, base+"r1/repo"); got.code != 404 {
		t.Fatalf("before creation: %d", got.code)
	}
	if _, err := r.CreateBuildPackages(ctx, repo.BuildPackagesOptions{Name: "r1", Packages: []string{"tipster", "foo"}}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, base+"r1/repo"); got.code != 404 {
		t.Fatalf("served before Refresh: %d", got.code)
	}
	if err := h.Refresh(ctx, testTarget); err != nil {
		t.Fatal(err)
	}
	rp := get(t, base+"r1/repo")
	if rp.code != 200 || rp.h.Get("Cache-Control") != immutableCache {
		t.Fatalf("repo: %d %v", rp.code, rp.h)
	}
	got := readRepo(t, rp.body)
	slices.Sort(got)
	if want := []string{"foo-1.0-1-x86_64.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}; !slices.Equal(got, want) {
		t.Fatalf("lists %v, want %v", got, want)
	}
	if sum := get(t, base+"r1/repo.sha256"); string(sum.body) != hpkg.RepoSHA256Bytes(rp.body) {
		t.Fatalf("repo.sha256 %q", sum.body)
	}
	pkg := get(t, base+"r1/packages/tipster-1.1.1-1-x86_64.hpkg")
	want, _ := io.ReadAll(io.NewSectionReader(tip.R, 0, tip.Size))
	if pkg.code != 200 || !bytes.Equal(pkg.body, want) {
		t.Fatalf("package: %d, %d bytes", pkg.code, len(pkg.body))
	}
	for path, code := range map[string]int{
		"r1/packages/bar-2-1-x86_64.hpkg": 404, // in the target, not in r1
		"r1/repo.minisig":                 404,
		"r2/repo":                         404,
		"%2e%2e/repo":                     400,
		"r1/manifest.json":                404,
		"r1/packages/../repo":             400,
	} {
		if got := get(t, base+path); got.code != code {
			t.Errorf("%s: %d, want %d", path, got.code, code)
		}
	}
	l := get(t, base)
	if l.code != 200 || !strings.Contains(string(l.body), `"name": "r1"`) || !strings.Contains(string(l.body), `"packages": 2`) {
		t.Fatalf("listing: %d %s", l.code, l.body)
	}
}
