package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// TestImportKeepsHaikuPorterRepo: an in-place import of a HaikuPorter
// bucket whose repo lists its packages in package_repo's order (not
// kiln's) keeps that repo byte for byte (snapshot and current/, repo.sha256
// its hash) until the first publish, which writes kiln's own; a repo
// whose embedded repository info is not the one imported (another name
// given with --info) is regenerated.
func TestImportKeepsHaikuPorterRepo(t *testing.T) {
	ctx := context.Background()
	for _, renamed := range []bool{false, true} {
		st := newFileStore(t)
		cur := "master/x86_64/current/"
		hp, sum := haikuPorterLayout(t, st, cur)
		r := New(st, testTarget, Options{})
		o := ImportOptions{}
		if renamed {
			o.Info = testRepoInfo(pkginfo.ArchX86_64)
			o.Info.Name = "HaikuPorts (renamed)"
		}
		res, err := r.ImportStore(ctx, st, cur, o)
		if err != nil {
			t.Fatal(err)
		}
		served, _, _ := getSmall(ctx, st, cur+"repo", 1<<20)
		servedSum, _, _ := getSmall(ctx, st, cur+"repo.sha256", 100)
		snap, _, _ := getSmall(ctx, st, r.SnapshotKey(res.Snapshot, FileRepo), 1<<20)
		if renamed {
			if res.KeptRepo || bytes.Equal(served, hp.Bytes()) || res.Packages != 3 {
				t.Fatalf("a repo whose repository info is not the import's was kept: %+v", res)
			}
			mustVerify(t, r, true)
			continue
		}
		if !res.KeptRepo || !bytes.Equal(served, hp.Bytes()) || !bytes.Equal(snap, hp.Bytes()) || string(servedSum) != hex.EncodeToString(sum[:]) || res.RepoSHA256 != string(servedSum) {
			t.Fatalf("import did not keep HaikuPorter's repo: %+v", res)
		}
		_, m, err := r.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, err := generate(HPKGCodec{}, m, nil)
		if err != nil || bytes.Equal(f.repo, hp.Bytes()) {
			t.Fatalf("kiln's own repo of these packages is the same bytes (%v): the test shows nothing", err)
		}
		mustVerify(t, r, true)
		if _, err := r.Publish(ctx, Change{Add: []Add{addBytes("n", realPkg(t, "nano", "8.0-1", pkginfo.ArchX86_64, 1000))}}); err != nil {
			t.Fatal(err)
		}
		after, _, _ := getSmall(ctx, st, cur+"repo", 1<<20)
		_, pkgs, err := HPKGCodec{}.ReadRepo(bytes.NewReader(after), int64(len(after)))
		if err != nil || len(pkgs) != 4 || bytes.Equal(after, hp.Bytes()) || !slices.IsSortedFunc(pkgs, func(a, b pkginfo.PackageInfo) int {
			return bytes.Compare([]byte(a.CanonicalFileName()), []byte(b.CanonicalFileName()))
		}) {
			t.Fatalf("after the first publish: %v, %d packages", err, len(pkgs))
		}
		mustVerify(t, r, true)
	}
}

// haikuPorterLayout writes three real packages, and a repo listing them in
// package_repo's order, under cur; it returns the repo and its SHA-256.
func haikuPorterLayout(t *testing.T, st store.Store, cur string) (*bytes.Buffer, [32]byte) {
	t.Helper()
	ctx := context.Background()
	var infos []pkginfo.PackageInfo
	for _, p := range []struct{ name, version string }{{"zlib", "1.3-1"}, {"bash", "5.2-3"}, {"make", "4.4-1"}} {
		b := realPkg(t, p.name, p.version, pkginfo.ArchX86_64, 3000)
		info, err := HPKGCodec{}.ReadPackage(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		info.Checksum = hex.EncodeToString(sum[:])
		infos = append(infos, info)
		putBytes(ctx, st, cur+"packages/"+info.CanonicalFileName(), b, store.PutOptions{})
	}
	var hp bytes.Buffer
	if err := hpkg.WriteRepository(&hp, *testRepoInfo(pkginfo.ArchX86_64), infos); err != nil {
		t.Fatal(err)
	}
	putBytes(ctx, st, cur+"repo", hp.Bytes(), store.PutOptions{})
	sum := sha256.Sum256(hp.Bytes())
	putBytes(ctx, st, cur+"repo.sha256", []byte(hex.EncodeToString(sum[:])), store.PutOptions{})
	return &hp, sum
}

// TestImportKeepsHaikuPorterRepoSigned: with a signing key the kept repo
// is signed, and the signature verifies over HaikuPorter's bytes.
func TestImportKeepsHaikuPorterRepoSigned(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	cur := "master/x86_64/current/"
	hp, _ := haikuPorterLayout(t, st, cur)
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := New(st, testTarget, Options{}).ImportStore(ctx, st, cur, ImportOptions{Signer: NewMinisignSignerFromKey(priv)})
	if err != nil || !res.KeptRepo {
		t.Fatalf("%v %+v", err, res)
	}
	served, _, _ := getSmall(ctx, st, cur+"repo", 1<<20)
	sig, _, err := getSmall(ctx, st, cur+"repo.minisig", 1<<20)
	if err != nil || !bytes.Equal(served, hp.Bytes()) || !minisign.Verify(pub, served, sig) {
		t.Fatalf("signed kept repo: %v, same bytes %v", err, bytes.Equal(served, hp.Bytes()))
	}
}
