package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// onlyReader hides every interface but io.Reader (a builder's stream).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ingestStores are the stores Ingest is tested on: the file store and a
// real S3 server.
func ingestStores(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"file": func(t *testing.T) store.Store { return newFileStore(t) },
		"versitygw": func(t *testing.T) store.Store {
			if testing.Short() {
				t.Skip("versitygw")
			}
			return s3test.StartVersity(t).Store(t, "ingest")
		},
	}
}

// keysUnder lists the keys of st under prefix.
func keysUnder(t *testing.T, st store.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := st.List(context.Background(), prefix, "", func(oi store.ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestIngest(t *testing.T) {
	for name, open := range ingestStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			r := New(st, testTarget, Options{})
			src := Source{Port: "foo", BuildID: "7"}
			foo := realPkg(t, "foo", "1.0-1", pkginfo.ArchX86_64, 200000)
			p, err := r.Ingest(ctx, "build 7 output", onlyReader{bytes.NewReader(foo)}, int64(len(foo)), src)
			if err != nil {
				t.Fatal(err)
			}
			if p.File != "foo-1.0-1-x86_64.hpkg" || p.Size != int64(len(foo)) || p.SHA256 != sha256Hex(foo) || p.Source != src || p.Info.Name != "foo" {
				t.Fatalf("ingested %+v", p)
			}
			stored := getKey(t, st, r.l.pkg(p.File))
			if !bytes.Equal(stored, foo) {
				t.Fatal("stored package differs")
			}
			// Again (a retried build): the same entry; other content under
			// the same file name is refused.
			if again, err := r.Ingest(ctx, "retry", onlyReader{bytes.NewReader(foo)}, int64(len(foo)), src); err != nil || again.SHA256 != p.SHA256 {
				t.Fatalf("same package again: %v", err)
			}
			other := realPkg(t, "foo", "1.0-1", pkginfo.ArchX86_64, 1000)
			if _, err := r.Ingest(ctx, "other", onlyReader{bytes.NewReader(other)}, int64(len(other)), src); !errors.Is(err, ErrImmutable) {
				t.Fatalf("other content under the same name: %v", err)
			}
			// Bad packages: corrupt, wrong architecture, short stream.
			_, corrupt := corruptTipster(t)
			_, err = r.Ingest(ctx, "tipster build", onlyReader{bytes.NewReader(corrupt)}, int64(len(corrupt)), src)
			if !errors.Is(err, ErrBadPackage) || !strings.Contains(err.Error(), "tipster build") || !strings.Contains(err.Error(), "heap chunk 1 of 3 at offset 21156") {
				t.Fatalf("corrupt package: %v", err)
			}
			gcc2 := realPkg(t, "bar", "1-1", pkginfo.ArchX86Gcc2, 100)
			if _, err := r.Ingest(ctx, "bar", onlyReader{bytes.NewReader(gcc2)}, int64(len(gcc2)), src); !errors.Is(err, ErrBadPackage) {
				t.Fatalf("x86_gcc2 package in x86_64: %v", err)
			}
			if _, err := r.Ingest(ctx, "short", onlyReader{bytes.NewReader(foo[:1000])}, int64(len(foo)), src); err == nil {
				t.Fatal("short stream accepted")
			}
			if got := keysUnder(t, st, r.l.packagesPrefix()); len(got) != 1 {
				t.Errorf("packages after the refusals: %v", got)
			}
			if got := keysUnder(t, st, r.l.incomingPrefix()); len(got) != 0 {
				t.Errorf("staging objects left: %v", got)
			}

			// Publish lists the ingested package without reading it again.
			res, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Ingested: []Package{p}, Reason: "build 7"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Added) != 1 || res.Added[0] != p.File {
				t.Fatalf("publish: %+v", res)
			}
			_, m, err := r.Current(ctx)
			if err != nil || len(m.Packages) != 1 || m.Packages[0].SHA256 != p.SHA256 || m.Packages[0].Source != src {
				t.Fatalf("manifest: %v %+v", err, m)
			}
			mustVerify(t, r, true)
			// An entry that was never ingested is refused.
			ghost := p
			ghost.Info.Version.Revision = 2
			ghost.File = ghost.Info.CanonicalFileName()
			if _, err := r.Publish(ctx, Change{Ingested: []Package{ghost}}); !errors.Is(err, ErrBadPackage) || !strings.Contains(err.Error(), "not in the store") {
				t.Fatalf("never ingested: %v", err)
			}
		})
	}
}

// TestIngestLargeBounded streams a 64 MiB package (generated into a file)
// through Ingest on each store and checks that kiln's memory does not
// grow with it.
func TestIngestLargeBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large package")
	}
	const size = 64 << 20
	path := filepath.Join(t.TempDir(), "big.hpkg")
	writeLargePackage(t, path, size)
	for name, open := range ingestStores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			r := New(st, testTarget, Options{})
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p, err := r.Ingest(context.Background(), "big", onlyReader{f}, fi.Size(), Source{})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			grew := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: ingesting %d MiB allocated %d KiB in all", name, fi.Size()>>20, grew>>10)
			if grew > 32<<20 {
				t.Errorf("ingesting %d MiB allocated %d MiB", fi.Size()>>20, grew>>20)
			}
			if p.Size != fi.Size() {
				t.Errorf("size %d", p.Size)
			}
		})
	}
}

// writeLargePackage writes a package holding one file of size
// pseudo-random, compressible bytes (zlib level 1) to path.
func writeLargePackage(t testing.TB, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tree := []*hpkg.Entry{{Name: "big.bin", Type: hpkg.FileRegular, Size: size, MTime: mtime,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(testenv.Letters(size)), nil }}}
	v, _ := pkginfo.ParsePackageVersion("1-1")
	info := &pkginfo.PackageInfo{Name: "big", Version: v, Architecture: pkginfo.ArchX86_64,
		Summary: "big", Description: "big", Vendor: "Haiku Project", Packager: "kiln tests",
		Provides: []pkginfo.Resolvable{{Name: "big", Version: v}}}
	if err := hpkg.WritePackage(f, info, tree, hpkg.WriteOptions{Compression: hpkg.CompressionZlib, Level: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestIncomingCleanup: a staging object left by an interrupted Ingest is
// reported by verify (a note) and deleted by prune after the grace period.
func TestIncomingCleanup(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	clk := &testClock{time.Now().UTC()}
	r := New(st, testTarget, Options{Now: clk.now})
	if _, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("foo", realPkg(t, "foo", "1-1", pkginfo.ArchX86_64, 100))}}); err != nil {
		t.Fatal(err)
	}
	left := r.l.incoming("0123456789abcdef.hpkg")
	putBytes(ctx, st, left, []byte("half a package"), store.PutOptions{})
	rp := mustVerify(t, r, false)
	if !strings.Contains(strings.Join(rp.Notes, "\n"), "staging object "+left) {
		t.Errorf("verify notes: %v", rp.Notes)
	}
	if res, err := r.Prune(ctx, PruneOptions{}); err != nil || len(res.DeletedStaging) != 0 {
		t.Fatalf("prune within the grace period: %v %+v", err, res)
	}
	clk.advance(25 * time.Hour)
	res, err := r.Prune(ctx, PruneOptions{})
	if err != nil || len(res.DeletedStaging) != 1 || res.DeletedStaging[0] != left {
		t.Fatalf("prune after the grace period: %v %+v", err, res)
	}
	if got := keysUnder(t, st, r.l.incomingPrefix()); len(got) != 0 {
		t.Errorf("left: %v", got)
	}
	mustVerify(t, r, true)
}
