package repo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

func fixture(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(testenv.SharedDir(t), "fixtures", rel)
}

func fileAdd(t *testing.T, path string) Add {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, _ := f.Stat()
	return Add{Name: path, R: f, Size: fi.Size()}
}

func newFileStore(t *testing.T) *store.File {
	t.Helper()
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRealPackagesFileStore publishes the real tipster package with the
// real HPKG codec to the file backend, signs, verifies, and reads the
// served repo back with the HPKR reader.
func TestRealPackagesFileStore(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := New(st, testTarget, Options{})
	info, err := pkginfo.ParseRepositoryInfo(strings.NewReader(strings.ReplaceAll(
		"name HaikuPorts\nvendor \"Haiku Project\"\nsummary \"The HaikuPorts repository\"\npriority 1\n"+
			"baseurl https://eu.hpkg.haiku-os.org/haikuports/master/$ARCH/current\n"+
			"identifier tag:haikuports.org,2013:repositories/haikuports/master/$ARCH\narchitecture $ARCH\n", "$ARCH", "x86_64")), "repo.info")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pubFile := filepath.Join(t.TempDir(), "key.pub")
	pb, _ := pub.MarshalText()
	os.WriteFile(pubFile, pb, 0o644)

	res, err := r.Publish(ctx, Change{Info: info, Add: []Add{fileAdd(t, fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))}, Signer: NewMinisignSignerFromKey(priv)})
	if err != nil {
		t.Fatal(err)
	}
	const sum = "549f8cb55b66da092e99c07bdd0d1ebb8d1d945169c4390ca0135807b3cbffc1"
	served := filepath.Join(st.Dir(), "master/x86_64/current")
	repoBytes, err := os.ReadFile(filepath.Join(served, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := hpkg.ReadRepository(bytes.NewReader(repoBytes), int64(len(repoBytes)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Packages) != 1 || rep.Packages[0].Name != "tipster" || rep.Packages[0].Checksum != sum || rep.Info.Name != "HaikuPorts" {
		t.Fatalf("served repo: %+v", rep.Packages)
	}
	if got, _ := os.ReadFile(filepath.Join(served, "repo.sha256")); string(got) != hpkg.RepoSHA256Bytes(repoBytes) || string(got) != res.RepoSHA256 {
		t.Fatalf("repo.sha256 %q", got)
	}
	if pkg, _ := os.ReadFile(filepath.Join(served, "packages/tipster-1.1.1-1-x86_64.hpkg")); len(pkg) != 49334 {
		t.Fatalf("package file has %d bytes", len(pkg))
	}
	sig, _ := os.ReadFile(filepath.Join(served, "repo.minisig"))
	if err := VerifySignature(pubFile, repoBytes, sig); err != nil {
		t.Fatal(err)
	}
	rp, err := r.Verify(ctx, VerifyOptions{Deep: true, PublicKey: pubFile})
	if err != nil || !rp.OK() {
		t.Fatalf("verify: %v %+v", err, rp)
	}
	ri, _ := os.ReadFile(filepath.Join(served, "repo.info"))
	back, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(ri), "repo.info")
	if err != nil || back.Identifier != info.Identifier || back.BaseURL != info.BaseURL || back.Vendor != "Haiku Project" {
		t.Fatalf("repo.info round trip: %v %+v\n%s", err, back, ri)
	}

	// The artificial fixture's architecture (x86_gcc2) does not belong here.
	if _, err := r.Publish(ctx, Change{Add: []Add{fileAdd(t, fixture(t, "hpkg/artificial-1.0.0-any.hpkg"))}}); err == nil {
		t.Fatal("x86_gcc2 package accepted into x86_64")
	}
	// Unsigned publish removes the signature from current/.
	if _, err := r.Publish(ctx, Change{Remove: []string{"tipster"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(served, "repo.minisig")); !os.IsNotExist(err) {
		t.Fatalf("stale repo.minisig: %v", err)
	}
	if _, err := r.Rollback(ctx, res.Snapshot, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, r, true)
}

// TestImportHaikuPorterLayout migrates a bucket HaikuPorter wrote (current/
// with repo, repo.info and packages/, no .kiln) in place, from the real 2013
// repo fixture. Package contents are stand-ins, so the checksums are only
// trusted: verify passes, verify --deep must find every mismatch.
func TestImportHaikuPorterLayout(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	repoBytes, err := os.ReadFile(fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := hpkg.ReadRepository(bytes.NewReader(repoBytes), int64(len(repoBytes)))
	if err != nil {
		t.Fatal(err)
	}
	cur := "master/x86/current/"
	putBytes(ctx, st, cur+"repo", repoBytes, store.PutOptions{})
	info, _ := os.ReadFile(fixture(t, "repo-info/x86_gcc2-repo.info"))
	putBytes(ctx, st, cur+"repo.info", bytes.ReplaceAll(info, []byte("x86_gcc2"), []byte("x86")), store.PutOptions{})
	for _, p := range rep.Packages {
		putBytes(ctx, st, cur+"packages/"+p.CanonicalFileName(), []byte("stand-in "+p.Name), store.PutOptions{})
	}
	putBytes(ctx, st, cur+"packages/stale-1-1-x86.hpkg", []byte("not in repo"), store.PutOptions{})
	r := New(st, Target{Branch: "master", Arch: "x86"}, Options{})
	res, err := r.ImportStore(ctx, st, cur, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 235 || res.Uploaded != 0 || res.Present != 235 {
		t.Fatalf("import: %d packages, %d uploaded, %d present", res.Packages, res.Uploaded, res.Present)
	}
	mustVerify(t, r, false)
	rp, err := r.Verify(ctx, VerifyOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Problems) != 235 {
		t.Fatalf("deep verify found %d problems, want 235", len(rp.Problems))
	}
	// The regenerated repo lists the same packages with the same checksums.
	served, _, _ := getSmall(ctx, st, cur+"repo", 1<<20)
	rep2, err := hpkg.ReadRepository(bytes.NewReader(served), int64(len(served)))
	if err != nil || len(rep2.Packages) != 235 || rep2.Info.Architecture != pkginfo.ArchX86 {
		t.Fatalf("served repo: %v", err)
	}
	want := map[string]string{}
	for _, p := range rep.Packages {
		want[p.CanonicalFileName()] = p.Checksum
	}
	for _, p := range rep2.Packages {
		if want[p.CanonicalFileName()] != p.Checksum {
			t.Errorf("%s: checksum %s, want %s", p.Name, p.Checksum, want[p.CanonicalFileName()])
		}
	}
	if _, err := r.ImportStore(ctx, st, cur, ImportOptions{}); err == nil {
		t.Fatal("second import into a published target succeeded")
	}
}

// TestImportDirResumes imports a directory of real .hpkg files into an
// empty store, after an interrupted run left one package uploaded.
func TestImportDirResumes(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	dir := t.TempDir()
	tip, _ := os.ReadFile(fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	os.WriteFile(filepath.Join(dir, "tipster-1.1.1-1-x86_64.hpkg"), tip, 0o644)
	os.WriteFile(filepath.Join(dir, "repo.info"), []byte("name HaikuPorts\nvendor \"Haiku Project\"\nsummary x\npriority 1\nidentifier tag:x\narchitecture x86_64\n"), 0o644)
	// An interrupted import: the file is already uploaded.
	putBytes(ctx, st, "master/x86_64/current/packages/tipster-1.1.1-1-x86_64.hpkg", tip, store.PutOptions{})
	r := New(st, testTarget, Options{})
	res, err := r.ImportDir(ctx, dir, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 1 || res.Present != 1 {
		t.Fatalf("%+v", res)
	}
	mustVerify(t, r, true)
}

// TestRealRepoDeterministic: the same packages published into two stores
// at different times give byte-identical repo files.
func TestRealRepoDeterministic(t *testing.T) {
	var pkgs [][]byte
	for i := range 5 {
		pkgs = append(pkgs, realPkg(t, fmt.Sprint("det", i), "1.0-1", pkginfo.ArchX86_64, 1000*i+10))
	}
	var repos [][]byte
	for run := range 2 {
		st := newMemStore()
		r := New(st, testTarget, Options{})
		var adds []Add
		for i := range pkgs { // a different order each run
			j := i
			if run == 1 {
				j = len(pkgs) - 1 - i
			}
			adds = append(adds, addBytes("p", pkgs[j]))
		}
		mustPublish(t, r, Change{Info: s3RepoInfo(), Add: adds})
		repos = append(repos, getKey(t, st, "master/x86_64/current/repo"))
		time.Sleep(10 * time.Millisecond)
	}
	if !bytes.Equal(repos[0], repos[1]) {
		t.Fatal("the same packages gave different repo files")
	}
}
