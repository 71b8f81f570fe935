package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// haikuPorterBucket writes into st, under prefix, what HaikuPorter's S3
// backend leaves in a bucket (BUILDMASTER §4.2): packages/<file> (real
// packages), packages/.obsolete/<file>, repo with the packages in the
// order package_repo added them (not sorted), repo.sha256 (hex, no
// newline), package.list and repo.info. It returns the repo's bytes and
// the package files.
func haikuPorterBucket(t *testing.T, st store.Store, prefix string, info pkginfo.RepositoryInfo) ([]byte, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	put := func(key string, b []byte) {
		if _, err := st.Put(ctx, prefix+key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string][]byte{}
	var infos []pkginfo.PackageInfo
	mtime := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range []struct{ name, version string }{{"zstd", "1.5.6-1"}, {"bzip2", "1.0.8-4"}, {"xz_utils", "5.6.2-1"}, {"bzip2", "1.0.6-9"}} {
		v, _ := pkginfo.ParsePackageVersion(p.version)
		pi := pkginfo.PackageInfo{Name: p.name, Version: v, Architecture: pkginfo.ArchX86_64,
			Summary: p.name + " from HaikuPorter", Description: "A package HaikuPorter built.", Vendor: info.Vendor,
			Packager: "HaikuPorts <buildmaster@haiku-os.org>", Copyrights: []string{"2025 someone"}, Licenses: []string{"MIT"},
			Provides: []pkginfo.Resolvable{{Name: p.name, Version: v}}}
		data := bytes.Repeat([]byte(p.name+p.version), 2000+i*500)
		root := []*hpkg.Entry{{Name: "bin", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
			Name: p.name, Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}}}
		var buf bytes.Buffer
		if err := hpkg.WritePackage(&buf, &pi, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
			t.Fatal(err)
		}
		if i == 3 { // pruned by HaikuPorter: only in .obsolete/
			put("packages/.obsolete/"+pi.CanonicalFileName(), buf.Bytes())
			continue
		}
		sum := sha256.Sum256(buf.Bytes())
		pi.Checksum = hex.EncodeToString(sum[:])
		infos = append(infos, pi)
		files[pi.CanonicalFileName()] = buf.Bytes()
		put("packages/"+pi.CanonicalFileName(), buf.Bytes())
	}
	var rb bytes.Buffer
	if err := hpkg.WriteRepository(&rb, info, infos); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(rb.Bytes())
	var list, ib bytes.Buffer
	for _, pi := range infos {
		fmt.Fprintln(&list, pi.CanonicalFileName())
	}
	if err := pkginfo.WriteRepositoryInfo(&ib, &info); err != nil {
		t.Fatal(err)
	}
	put("repo", rb.Bytes())
	put("repo.sha256", []byte(hex.EncodeToString(sum[:])))
	put("package.list", list.Bytes())
	put("repo.info", ib.Bytes())
	return rb.Bytes(), files
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %s", url, resp.StatusCode, err, b)
	}
	return b
}

// TestMigrationRehearsal: a bucket on versitygw as HaikuPorter's S3
// backend leaves it is imported in place (kiln repo import store:…),
// served by kiln serve unchanged — the same repo and repo.sha256 bytes,
// the same package bytes — until the first build run publishes, which
// adds the demo tree's packages beside HaikuPorter's; kiln serve's
// [[mirror]] follows it, and kiln repo mirror copies it to a directory too:
// both pass verify --deep, as the bucket does.
func TestMigrationRehearsal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree")
	}
	ctx := context.Background()
	srv := s3test.StartVersity(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)
	s3url := srv.URL("haikuports") + "?path-style=true&endpoint=" + srv.Endpoint
	info := demo.RepoInfo(pkginfo.ArchX86_64, "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current")
	info.Name = "HaikuPorts"
	hpRepo, hpFiles := haikuPorterBucket(t, srv.Store(t, "haikuports"), "master/x86_64/current/", info)

	// 1. Import in place: nothing copied, HaikuPorter's repo kept.
	out := mustRun(t, "repo", "import", "store:master/x86_64/current", "--store", s3url)
	if !strings.Contains(out, "3 packages (0 uploaded, 3 already present; the source's repo file kept byte for byte)") {
		t.Fatalf("import:\n%s", out)
	}
	imported, err := repo.New(srv.Store(t, "haikuports"), repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{}).ReadHead(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// 2. kiln serve on the bucket; builds take a while, published at the end.
	dir := t.TempDir()
	if _, err := demo.WriteTree(ctx, filepath.Join(dir, "tree")); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WriteSystem(filepath.Join(dir, "system"), pkginfo.ArchX86_64); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "kiln.toml", fmt.Sprintf(`[store]
url = %q
[tree]
path = "tree"
poll = "1h"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
[[builders.mock]]
name = "mock"
count = 2
duration = "fixed"
median = "1s"
[build]
publish = "end"
[[mirror]]
url = "kept-mirror"
`, s3url))
	base, stop := startServeArgs(t, "--config", filepath.Join(dir, "kiln.toml"))
	cur := base + "/repo/master/x86_64/current/"
	for deadline := time.Now().Add(30 * time.Second); ; { // 503 until the repositories are loaded
		resp, err := http.Get(cur + "repo.sha256")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %srepo.sha256: %s", cur, resp.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sum := sha256.Sum256(hpRepo)
	if got := httpGet(t, cur+"repo"); !bytes.Equal(got, hpRepo) {
		t.Fatalf("served repo: %d bytes, not HaikuPorter's %d", len(got), len(hpRepo))
	}
	if got := httpGet(t, cur+"repo.sha256"); string(got) != hex.EncodeToString(sum[:]) {
		t.Fatalf("served repo.sha256 %q", got)
	}
	for file, b := range hpFiles {
		if got := httpGet(t, cur+"packages/"+file); !bytes.Equal(got, b) {
			t.Fatalf("served %s differs", file)
		}
	}
	h, err := repo.New(srv.Store(t, "haikuports"), repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{}).ReadHead(ctx)
	if err != nil || h.Snapshot != imported.Snapshot {
		t.Fatalf("the head moved before the checks of the served repo ended (%v): the builds were too fast", err)
	}

	// 3. The first run publishes: kiln's repo, HaikuPorter's packages kept.
	var served []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		b := httpGet(t, cur+"repo")
		if !bytes.Equal(b, hpRepo) {
			rep, err := hpkg.ReadRepository(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rep.Packages {
				served = append(served, p.CanonicalFileName())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run did not publish")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for file := range hpFiles {
		if !slices.Contains(served, file) {
			t.Errorf("HaikuPorter's %s is not served after the first publish: %v", file, served)
		}
	}
	if len(served) <= len(hpFiles) {
		t.Fatalf("the run published nothing new: %v", served)
	}
	// kiln serve's [[mirror]] follows: in step with the head, verified deep.
	src := repo.New(srv.Store(t, "haikuports"), repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{})
	kept, err := store.OpenFile(filepath.Join(dir, "kept-mirror"))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		h, err := src.ReadHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := repo.New(kept, repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{}).Verify(ctx, repo.VerifyOptions{Deep: true})
		if err == nil && rp.OK() && rp.Head == h.Snapshot && rp.Packages == len(served) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kiln serve's mirror is not in step with %s: %v %+v", h.Snapshot, err, rp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}

	// 4. A mirror of it verifies deep, as the bucket does.
	mirrorDir := filepath.Join(dir, "mirror")
	out = mustRun(t, "repo", "mirror", "--from", s3url, "--to", mirrorDir)
	if !strings.Contains(out, "master/x86_64: head ") || !strings.Contains(out, "(new), 2 snapshots (2 new)") {
		t.Fatalf("mirror:\n%s", out)
	}
	for _, st := range []string{s3url, mirrorDir} {
		out := mustRun(t, "repo", "verify", "--deep", "--store", st)
		if !strings.Contains(out, fmt.Sprintf("%d packages, 2 snapshots, 0 problems", len(served))) {
			t.Fatalf("verify --deep --store %s:\n%s", st, out)
		}
	}
}
