package mirror

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

var testTarget = repo.Target{Branch: "master", Arch: "x86_64"}

// makePkg writes a real package (zlib HPKG) with payload pseudo-random
// bytes, so that validation and hashing do real work.
func makePkg(t testing.TB, name, version string, payload int) []byte {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	info := pkginfo.PackageInfo{
		Name: name, Version: v, Architecture: pkginfo.ArchX86_64,
		Summary: "Test package " + name, Description: "A package made by the mirror tests.",
		Vendor: "Haiku Project", Packager: "kiln tests <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}},
	}
	data := make([]byte, payload)
	x := uint32(len(name)*7919 + payload)
	for _, c := range name + version {
		x = x*31 + uint32(c)
	}
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: name + ".bin", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatalf("write package %s: %v", name, err)
	}
	return buf.Bytes()
}

func repoInfo() *pkginfo.RepositoryInfo {
	return &pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		Vendor: "Haiku Project", Summary: "The HaikuPorts repository", Priority: 1, Architecture: pkginfo.ArchX86_64,
		BaseURL: "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current"}
}

func add(t testing.TB, name, version string, payload int) repo.Add {
	b := makePkg(t, name, version, payload)
	return repo.Add{Name: name + ".hpkg", R: bytes.NewReader(b), Size: int64(len(b))}
}

// populate publishes a history into st: four snapshots (one signed, one
// a rollback), five package files and a build-packages repository. It
// returns the repo.
func populate(t testing.TB, st store.Store) *repo.Repo {
	t.Helper()
	ctx := context.Background()
	r := repo.New(st, testTarget, repo.Options{})
	_, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []repo.Change{
		{Info: repoInfo(), Add: []repo.Add{add(t, "alpha", "1-1", 40_000), add(t, "beta", "2.0-1", 9_000)}},
		{Add: []repo.Add{add(t, "gamma", "0.3-1", 120_000)}, Signer: repo.NewMinisignSignerFromKey(priv)},
		{Add: []repo.Add{add(t, "alpha", "1.1-1", 41_000), add(t, "delta", "5-2", 3_000)}},
	}
	for _, c := range steps {
		if _, err := r.Publish(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.CreateBuildPackages(ctx, repo.BuildPackagesOptions{Name: "r1beta5", Packages: []string{"alpha", "gamma"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Rollback(ctx, "head~1", repo.RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	return r
}

// verifyDeep runs repo verify --deep on the mirror and fails on a problem.
func verifyDeep(t testing.TB, st store.Store) *repo.Report {
	t.Helper()
	rp, err := repo.New(st, testTarget, repo.Options{}).Verify(context.Background(), repo.VerifyOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rp.OK() {
		t.Fatalf("mirror does not verify: %v", rp.Problems)
	}
	return rp
}

// sameObjects fails unless both stores hold the same keys under the
// target with the same bytes (lease.json aside: each store's own).
func sameObjects(t testing.TB, a, b store.Store) {
	t.Helper()
	ctx := context.Background()
	read := func(st store.Store) map[string][]byte {
		out := map[string][]byte{}
		err := st.List(ctx, "master/", "", func(oi store.ObjectInfo) error {
			if oi.Key == "master/x86_64/.kiln/lease.json" {
				return nil
			}
			rc, _, err := st.Get(ctx, oi.Key, store.GetOptions{})
			if err != nil {
				return err
			}
			defer rc.Close()
			out[oi.Key], err = io.ReadAll(rc)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, y := read(a), read(b)
	for k, v := range x {
		if w, ok := y[k]; !ok {
			t.Errorf("%s: missing from %s", k, b)
		} else if !bytes.Equal(v, w) {
			t.Errorf("%s: differs", k)
		}
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			t.Errorf("%s: only in %s", k, b)
		}
	}
}

func fileStore(t testing.TB) *store.File {
	t.Helper()
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}
