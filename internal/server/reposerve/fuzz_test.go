package reposerve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

var fuzzSeeds = []string{
	"", "master", "master/", "master/x86_64", "master/x86_64/",
	"master/x86_64/current/repo", "master/x86_64/current/repo.sha256",
	"master/x86_64/current/packages/foo-1.0-1-x86_64.hpkg",
	"master/x86_64/20261127T172953.424Z-c6592805/repo",
	"master/x86_64/current/../../etc/passwd", "master/x86_64/current/%2e%2e/x",
	"master/x86_64/current/packages/..%2f..%2frepo", "master/x86_64/current/packages/a%5cb.hpkg",
	"master/x86_64/current/packages/libc%2B%2B-1-1-x86_64.hpkg", "%zz", "a//b", "master/x86_64/.kiln/head.json",
	"master/x86_64/current/packages/.obsolete/x.hpkg", "master/x86_64/current/packages/x.hpkg%00",
	"master/x86_64/build-packages", "master/x86_64/build-packages/", "master/x86_64/build-packages/r1/repo",
	"master/x86_64/build-packages/r1/packages/foo-1-1-x86_64.hpkg", "master/x86_64/build-packages/%2e%2e/repo",
	"master/x86_64/build-packages/current/repo",
}

// FuzzParsePath: parsePath never panics, and whatever it accepts is made
// of safe segments that give valid store keys under the target.
func FuzzParsePath(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	r := repo.New(nil, repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{Holder: "fuzz"})
	f.Fuzz(func(t *testing.T, rel string) {
		rt, err := parsePath(rel)
		if err != nil {
			return
		}
		for _, s := range []string{rt.Branch, rt.Arch, rt.Snapshot, rt.Package, rt.Build} {
			if s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
				t.Fatalf("%q: unsafe segment %q in %+v", rel, s, rt)
			}
		}
		if rt.Kind == routeBuildFile {
			if !repo.ValidBuildPackagesName(rt.Build) || (rt.Package == "" && !repoFiles[rt.File]) || (rt.Package != "" && !validPackageFile(rt.Package)) {
				t.Fatalf("%q: build-packages route %+v", rel, rt)
			}
			if k := r.BuildPackagesKey(rt.Build, rt.File); store.ValidateKey(k) != nil || !strings.HasPrefix(k, "master/x86_64/.kiln/build-packages/") {
				t.Fatalf("%q gives key %q", rel, k)
			}
		}
		if rt.Kind == routeBuildFile {
			if !repo.ValidBuildPackagesName(rt.Build) || (rt.Package == "" && !repoFiles[rt.File]) || (rt.Package != "" && !validPackageFile(rt.Package)) {
				t.Fatalf("%q: build-packages route %+v", rel, rt)
			}
			if k := r.BuildPackagesKey(rt.Build, rt.File); store.ValidateKey(k) != nil || !strings.HasPrefix(k, "master/x86_64/.kiln/build-packages/") {
				t.Fatalf("%q gives key %q", rel, k)
			}
		}
		if rt.Kind != routeFile {
			return
		}
		if rt.Snapshot != snapshotCurrent && !repo.ValidSnapshotID(rt.Snapshot) {
			t.Fatalf("%q: snapshot %q", rel, rt.Snapshot)
		}
		if rt.Package != "" && !validPackageFile(rt.Package) {
			t.Fatalf("%q: package %q", rel, rt.Package)
		}
		if rt.Package == "" && !repoFiles[rt.File] {
			t.Fatalf("%q: file %q", rel, rt.File)
		}
		for _, k := range []string{r.SnapshotKey(rt.Snapshot, rt.File), r.PackageKey(rt.Package)} {
			if rt.Package == "" && strings.Contains(k, "/packages/") {
				continue
			}
			if err := store.ValidateKey(k); err != nil || !strings.HasPrefix(k, "master/x86_64/") {
				t.Fatalf("%q gives key %q: %v", rel, k, err)
			}
		}
	})
}

// FuzzServePath sends arbitrary paths to a handler over a published
// repository with a build-packages repository: no panic, no 5xx, and
// every store read is of a key the published snapshot or the
// build-packages repository names (its own files or a package it lists).
func FuzzServePath(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	rs := &recordingStore{Store: newFileStore(f)}
	r := repo.New(rs, testTarget, repo.Options{})
	res := publish(f, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(f, "foo", "1.0-1", 1000)}})
	f.Add("master/x86_64/" + res.Snapshot + "/packages/foo-1.0-1-x86_64.hpkg")
	// And a build-packages repository of it.
	if _, err := r.CreateBuildPackages(context.Background(), repo.BuildPackagesOptions{Name: "bp", Packages: []string{"foo"}}); err != nil {
		f.Fatal(err)
	}
	f.Add("master/x86_64/build-packages/bp/packages/foo-1.0-1-x86_64.hpkg")
	h := newHandler(f, Options{}, r)
	allowed := map[string]bool{r.PackageKey("foo-1.0-1-x86_64.hpkg"): true}
	for name := range repoFiles {
		allowed[r.SnapshotKey(res.Snapshot, name)] = true
		allowed[r.BuildPackagesKey("bp", name)] = true
	}
	rs.take()
	f.Fuzz(func(t *testing.T, rel string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawPath = "/repo/"+rel, "" // EscapedPath re-escapes what Path holds
		if strings.Contains(rel, "%") {
			req.URL.RawPath = "/repo/" + rel // taken when it is a valid escaping
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", rel, w.Code, w.Body)
		}
		for _, k := range rs.take() {
			if !allowed[k] {
				t.Fatalf("%q read key %q", rel, k)
			}
		}
		if w.Code != http.StatusOK && w.Code != http.StatusNotFound && w.Code != http.StatusBadRequest {
			t.Fatalf("%q: %d", rel, w.Code)
		}
	})
}
