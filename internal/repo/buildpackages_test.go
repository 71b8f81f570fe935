package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestBuildPackages: a build-packages repository made from the head and
// an older snapshot re-reads (HPKR reader) with exactly the packages
// asked for and their checksums, nothing is uploaded, unknown names are
// named, it is immutable, and Prune keeps its packages.
func TestBuildPackages(t *testing.T) {
	ctx := context.Background()
	st, err := store.CreateFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := New(st, testTarget, Options{Now: clk.now})
	tip, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "fixtures", "hpkg", "tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	info := testRepoInfo(pkginfo.ArchX86_64)
	info.BaseURL = "https://example.org/master/x86_64/current"
	mustPublish(t, r, Change{Info: info, Add: []Add{
		addBytes("tipster", tip),
		addBytes("foo-1", realPkg(t, "foo", "1-1", pkginfo.ArchX86_64, 100)),
		addBytes("bar", realPkg(t, "bar", "2-1", pkginfo.ArchAny, 100)),
	}})
	clk.advance(time.Hour)
	mustPublish(t, r, Change{Add: []Add{addBytes("foo-2", realPkg(t, "foo", "2-1", pkginfo.ArchX86_64, 100))}})
	clk.advance(time.Hour)
	before := keysUnder(t, st, r.l.packagesPrefix())

	res, err := r.CreateBuildPackages(ctx, BuildPackagesOptions{Name: "r1beta5", Packages: []string{"tipster", "foo-1-1-x86_64.hpkg", "bar"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bar-2-1-any.hpkg", "foo-1-1-x86_64.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}
	if !slices.Equal(res.Packages, want) || res.Unchanged {
		t.Fatalf("result %+v", res)
	}
	if after := keysUnder(t, st, r.l.packagesPrefix()); !slices.Equal(before, after) {
		t.Errorf("packages changed: %v -> %v", before, after)
	}
	repoFile := getKey(t, st, r.BuildPackagesKey("r1beta5", FileRepo))
	ri, pkgs, err := HPKGCodec{}.ReadRepo(bytes.NewReader(repoFile), int64(len(repoFile)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.CanonicalFileName())
		if p.CanonicalFileName() == "tipster-1.1.1-1-x86_64.hpkg" && p.Checksum != sha256Hex(tip) {
			t.Errorf("tipster checksum %s", p.Checksum)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("repo lists %v, want %v", got, want)
	}
	if ri.BaseURL != "https://example.org/master/x86_64/build-packages/r1beta5" {
		t.Errorf("base URL %q", ri.BaseURL)
	}
	if sum := getKey(t, st, r.BuildPackagesKey("r1beta5", FileRepoSHA256)); string(sum) != sha256Hex(repoFile) || res.RepoSHA256 != string(sum) {
		t.Errorf("repo.sha256 %s, result %s, repo %s", sum, res.RepoSHA256, sha256Hex(repoFile))
	}
	if pl := string(getKey(t, st, r.BuildPackagesKey("r1beta5", FilePackageList))); pl != strings.Join(want, "\n")+"\n" {
		t.Errorf("package.list %q", pl)
	}

	// Again with the same packages: unchanged; other packages: refused.
	again, err := r.CreateBuildPackages(ctx, BuildPackagesOptions{Name: "r1beta5", Packages: []string{"bar-2-1-any.hpkg", "tipster", "foo-1-1-x86_64.hpkg"}})
	if err != nil || !again.Unchanged {
		t.Errorf("again: %+v %v", again, err)
	}
	if _, err := r.CreateBuildPackages(ctx, BuildPackagesOptions{Name: "r1beta5", Packages: []string{"foo"}}); !errors.Is(err, ErrBuildPackagesExists) {
		t.Errorf("changed: %v", err)
	}
	for _, tc := range []struct {
		o    BuildPackagesOptions
		want error
		msg  string
	}{
		{BuildPackagesOptions{Name: "x", Packages: []string{"tipster", "nosuch", "foo-9-1-x86_64.hpkg"}}, ErrUnknownPackage, `"nosuch", "foo-9-1-x86_64.hpkg"`},
		{BuildPackagesOptions{Name: "x", Packages: []string{"foo", "foo-1-1-x86_64.hpkg"}}, ErrBadPackage, `both package "foo"`},
		{BuildPackagesOptions{Name: "../x", Packages: []string{"foo"}}, nil, "bad build-packages name"},
		{BuildPackagesOptions{Name: "current", Packages: []string{"foo"}}, nil, "bad build-packages name"},
		{BuildPackagesOptions{Name: "x"}, nil, "no packages"},
	} {
		_, err := r.CreateBuildPackages(ctx, tc.o)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: %v, want %v with %q", tc.o, err, tc.want, tc.msg)
		}
	}
	if names, err := r.BuildPackagesNames(ctx); err != nil || !slices.Equal(names, []string{"r1beta5"}) {
		t.Errorf("names %v %v", names, err)
	}

	// foo-1 left the head a while ago; only the build-packages repository
	// still lists it, so prune keeps it.
	clk.advance(48 * time.Hour)
	pr, err := r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: -1, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.DeletedSnapshots) != 1 || slices.Contains(pr.Obsoleted, "foo-1-1-x86_64.hpkg") {
		t.Errorf("prune %+v", pr)
	}
	if _, err := st.Stat(ctx, r.PackageKey("foo-1-1-x86_64.hpkg")); err != nil {
		t.Errorf("foo-1 pruned: %v", err)
	}
	mustVerify(t, r, true)
	// Verify checks the packages build-packages repositories list.
	if err := st.Delete(ctx, r.PackageKey("foo-1-1-x86_64.hpkg")); err != nil {
		t.Fatal(err)
	}
	rp, err := r.Verify(ctx, VerifyOptions{})
	if err != nil || len(rp.Problems) != 1 || !strings.Contains(rp.Problems[0].String(), "foo-1-1-x86_64.hpkg: listed by build-packages r1beta5 but missing") {
		t.Fatalf("verify: %v %+v", err, rp)
	}
}
