package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// hpkgWith returns a real package file (zlib) of info; with a
// .PackageInfo text given, the writer does not validate info: the way to
// make hostile packages.
func hpkgWith(t testing.TB, info pkginfo.PackageInfo) []byte {
	t.Helper()
	var buf bytes.Buffer
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, Perm: 0o755}}
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib, PackageInfoText: []byte("name x\n")}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func goodInfo() pkginfo.PackageInfo {
	v := pkginfo.Version{Major: "1", Minor: "2", Revision: 1}
	return pkginfo.PackageInfo{Name: "good", Version: v, Architecture: pkginfo.ArchX86_64, Summary: "s", Description: "d",
		Vendor: "Haiku Project", Packager: "kiln tests", Provides: []pkginfo.Resolvable{{Name: "good", Version: v}}}
}

// hostilePackages are package infos an older kiln published although its
// manifest reader then refused them (bricking the target), and names a
// client fetching current/packages/<file> by URL may mishandle.
func hostilePackages() map[string]pkginfo.PackageInfo {
	out := map[string]pkginfo.PackageInfo{}
	version := func(name string, v pkginfo.Version) {
		p := goodInfo()
		p.Version = v
		p.Provides[0].Version = v
		out[name] = p
	}
	version("version 1A", pkginfo.Version{Major: "1A", Revision: 1})
	version("version 1.", pkginfo.Version{Major: "1.", Revision: 1})
	version("version .1", pkginfo.Version{Major: ".1", Revision: 1})
	version("version 1..2", pkginfo.Version{Major: "1..2", Revision: 1})
	version("version 1-2", pkginfo.Version{Major: "1-2", Revision: 1})
	version("empty version", pkginfo.Version{Revision: 1})
	version("minor 2-3", pkginfo.Version{Major: "1", Minor: "2-3", Revision: 1})
	version("pre-release a-b", pkginfo.Version{Major: "1", PreRelease: "a-b", Revision: 1})
	p := goodInfo()
	p.Provides = append(p.Provides, pkginfo.Resolvable{Name: "lib:x", Version: pkginfo.Version{Major: ".."}})
	out["provides version .."] = p
	for _, n := range []string{"", "a?b#c", "a%2f..%2fb", "a\u2215b", "a b", ".hidden", "caf\u00e9"} {
		p := goodInfo()
		p.Name = n
		p.Provides[0].Name = n
		out["name "+strconv.Quote(n)] = p
	}
	return out
}

// TestPublishRefusesWhatTheReaderRefuses: every hostile package is refused
// by publish before anything is uploaded (so it cannot brick the target),
// and the same check refuses it in a manifest.
func TestPublishRefusesWhatTheReaderRefuses(t *testing.T) {
	st := newMemStore()
	r := New(st, testTarget, Options{LeaseWait: 10 * time.Second})
	ctx := context.Background()
	mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("good", hpkgWith(t, goodInfo()))}})
	before := len(st.keys("master/x86_64/current/packages/"))
	for name, info := range hostilePackages() {
		b := hpkgWith(t, info)
		if _, err := r.Publish(ctx, Change{Add: []Add{addBytes(name, b)}}); !errors.Is(err, ErrBadPackage) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: publish: %v", name, err)
		}
		if n := len(st.keys("master/x86_64/current/packages/")); n != before {
			t.Fatalf("%s: refused package uploaded (%d package files, was %d)", name, n, before)
		}
		// The manifest reader refuses the same infos.
		m := &Manifest{Schema: 1, ID: "20260101T000000.000Z-00000000", Repository: *testRepoInfo(pkginfo.ArchX86_64),
			Packages: []Package{{File: info.CanonicalFileName(), SHA256: strings.Repeat("0", 64), Info: info}}}
		if err := m.Validate(); !errors.Is(err, ErrBadManifest) {
			t.Errorf("%s: manifest accepted: %v", name, err)
		}
	}
	// The target still works.
	g2 := goodInfo()
	g2.Version.Revision = 2
	mustPublish(t, r, Change{Add: []Add{addBytes("good2", hpkgWith(t, g2))}})
	if _, err := r.ResolveSnapshot(ctx, "head"); err != nil {
		t.Fatal(err)
	}
}

// TestPackageNamesSurviveURLs: names with every allowed character publish
// and their file names are unchanged by URL path escaping.
func TestPackageNamesSurviveURLs(t *testing.T) {
	for _, n := range []string{"libc++", "python3.10", "gcc_syslibs_devel", "a.b_c+d"} {
		p := goodInfo()
		p.Name, p.Provides[0].Name = n, n
		if err := ValidatePackage(&p); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// fuzzCorpusFiles returns the inputs of a go fuzz corpus directory
// (testdata/fuzz/<Target>, "go test fuzz v1" files of one []byte each).
func fuzzCorpusFiles(tb testing.TB, dir string) [][]byte {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		_, lit, ok := strings.Cut(strings.TrimSpace(string(b)), "\n[]byte(")
		if !ok || !strings.HasSuffix(lit, ")") {
			tb.Fatalf("%s: not a []byte corpus entry", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name(), err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// FuzzPublishRoundTrip: whatever package publish accepts, the manifest
// holding it validates, encodes, and reads back to the same manifest.
// Seeded with the hpkg reader's fuzz corpus, the fixtures and the hostile
// packages above.
func FuzzPublishRoundTrip(f *testing.F) {
	for _, b := range fuzzCorpusFiles(f, "../hpkg/testdata/fuzz/FuzzReadHPKG") {
		f.Add(b)
	}
	for _, fx := range []string{"hpkg/tipster-1.1.1-1-x86_64.hpkg", "hpkg/artificial-1.0.0-any.hpkg"} {
		b, err := os.ReadFile(testenv.Fixture(f, fx))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(hpkgWith(f, goodInfo()))
	for _, info := range hostilePackages() {
		f.Add(hpkgWith(f, info))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := HPKGCodec{}.ReadPackage(bytes.NewReader(b), int64(len(b)))
		if err != nil || !info.Architecture.Valid() || info.Architecture == pkginfo.ArchSource {
			return
		}
		arch := info.Architecture
		if arch == pkginfo.ArchAny {
			arch = pkginfo.ArchX86_64
		}
		r := New(newMemStore(), Target{Branch: "master", Arch: arch.String()}, Options{})
		ri := testRepoInfo(arch)
		ri.Vendor = ""
		got, _, err := r.parsePackage(addBytes("fuzz", b), *ri)
		if err != nil {
			return // refused before anything is uploaded
		}
		m := &Manifest{Schema: 1, ID: "20260101T000000.000Z-00000000", Repository: *testRepoInfo(arch),
			Packages: []Package{{File: got.CanonicalFileName(), Size: int64(len(b)), SHA256: strings.Repeat("0", 64), Info: got}}}
		if err := m.Validate(); err != nil {
			t.Fatalf("publish accepted %+v, the manifest refuses it: %v", got, err)
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("publish accepted %+v, the manifest reader refuses it: %v", got, err)
		}
		if out2, _ := back.Marshal(); !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the manifest\n%s\n%s", out, out2)
		}
	})
}
