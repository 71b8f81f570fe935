package repo

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// corruptTipster writes the corrupt package (4 bytes of 0xff at
// offset 30000 of the tipster fixture, inside heap chunk 1) to a temporary
// file and returns its path and bytes.
func corruptTipster(t *testing.T) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	copy(b[30000:], []byte{0xff, 0xff, 0xff, 0xff})
	path := filepath.Join(t.TempDir(), "tipster-1.1.1-1-x86_64.hpkg")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

// trustingCodec is the HPKG codec without its PackageValidator capability:
// what publish did before packages were validated.
type trustingCodec struct{ c HPKGCodec }

func (t trustingCodec) WriteRepo(w io.Writer, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error {
	return t.c.WriteRepo(w, info, pkgs)
}

func (t trustingCodec) ReadRepo(r io.ReaderAt, size int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error) {
	return t.c.ReadRepo(r, size)
}

func (t trustingCodec) ReadPackage(r io.ReaderAt, size int64) (pkginfo.PackageInfo, error) {
	return t.c.ReadPackage(r, size)
}

// storeKeys lists every key of st.
func storeKeys(t *testing.T, st store.Store) []string {
	t.Helper()
	var keys []string
	if err := st.List(context.Background(), "", "", func(oi store.ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestPublishRefusesCorruptPackage(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := New(st, testTarget, Options{})
	path, _ := corruptTipster(t)
	_, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{fileAdd(t, path)}})
	if !errors.Is(err, ErrBadPackage) || !strings.Contains(err.Error(), "heap chunk 1 of 3 at offset 21156: zlib") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want ErrBadPackage naming the file and heap chunk 1", err)
	}
	// Refused before anything was uploaded: no package, no snapshot.
	for _, k := range storeKeys(t, st) {
		if !strings.HasSuffix(k, "lease.json") {
			t.Errorf("left behind: %s", k)
		}
	}
	// The intact package publishes.
	if _, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{fileAdd(t, fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))}}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, r, true)
}

func TestImportRefusesCorruptPackage(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	dir := t.TempDir()
	_, b := corruptTipster(t)
	os.WriteFile(filepath.Join(dir, "tipster-1.1.1-1-x86_64.hpkg"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "repo.info"), []byte("name HaikuPorts\nvendor \"Haiku Project\"\nsummary x\npriority 1\nidentifier tag:x\narchitecture x86_64\n"), 0o644)
	r := New(st, testTarget, Options{})
	_, err := r.ImportDir(ctx, dir, ImportOptions{})
	if !errors.Is(err, ErrBadPackage) || !strings.Contains(err.Error(), "heap chunk 1 of 3 at offset 21156: zlib") {
		t.Fatalf("got %v, want ErrBadPackage naming heap chunk 1", err)
	}
	for _, k := range storeKeys(t, st) {
		if strings.Contains(k, "current/packages/") || strings.Contains(k, "snapshots/") {
			t.Errorf("left behind: %s", k)
		}
	}
}

func TestVerifyDeepFindsCorruptPackage(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	path, _ := corruptTipster(t)
	// Planted by a publisher that did not validate.
	old := New(st, testTarget, Options{Codec: trustingCodec{}})
	if _, err := old.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{fileAdd(t, path)}}); err != nil {
		t.Fatal(err)
	}
	r := New(st, testTarget, Options{})
	if rp := mustVerify(t, r, false); !rp.OK() {
		t.Fatalf("shallow verify: %v", rp.Problems)
	}
	rp, err := r.Verify(ctx, VerifyOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Problems) != 1 || rp.Problems[0].Check != "package" || !strings.Contains(rp.Problems[0].Msg, "is not a valid package: hpkg: invalid format: heap chunk 1 of 3") {
		t.Fatalf("deep verify: %v", rp.Problems)
	}
}
