package hpkg

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// fullInfo sets every field PackageInfo has, so a round trip covers every
// attribute of FORMATS.md §1.5–1.6.
func fullInfo() *pkginfo.PackageInfo {
	v := func(s string) pkginfo.Version {
		x, err := pkginfo.ParseVersion(s)
		if err != nil {
			panic(err)
		}
		return x
	}
	return &pkginfo.PackageInfo{
		Name: "demo", Summary: "A demo package", Description: "Line one.\nLine two.",
		Vendor: "Haiku Project", Packager: "kiln <kiln@example.com>", BasePackage: "haiku",
		Flags: pkginfo.FlagApproveLicense | pkginfo.FlagSystemPackage, Architecture: pkginfo.ArchX86_64,
		Version:    v("1.2.3~beta4-5"),
		Copyrights: []string{"2020 A", "2021 B"}, Licenses: []string{"MIT", "GNU GPL v2"},
		URLs: []string{"https://example.com"}, SourceURLs: []string{"https://example.com/src.tar.gz", "mirror"},
		Provides: []pkginfo.Resolvable{
			{Name: "demo", Version: v("1.2.3~beta4-5"), Compat: v("1")},
			{Name: "cmd:demo", Version: v("1.2")},
			{Name: "lib:libdemo"},
		},
		Requires: []pkginfo.Expression{
			{Name: "haiku", Op: pkginfo.OpGreaterEqual, Version: v("r1~beta1_hrev52295_129-1"), Base: true},
			{Name: "lib:libz", Op: pkginfo.OpLess, Version: v("2")},
			{Name: "coreutils"},
		},
		Supplements: []pkginfo.Expression{{Name: "x", Op: pkginfo.OpEqual, Version: v("3")}},
		Conflicts:   []pkginfo.Expression{{Name: "y", Op: pkginfo.OpNotEqual, Version: v("4.5.6")}},
		Freshens:    []pkginfo.Expression{{Name: "z", Op: pkginfo.OpGreater, Version: v("7")}},
		Replaces:    []string{"olddemo"},
		GlobalWritableFiles: []pkginfo.GlobalWritableFile{
			{Path: "settings/demo", Directory: true},
			{Path: "settings/demo.conf", UpdateType: pkginfo.UpdateAutoMerge},
			{Path: "settings/other", UpdateType: pkginfo.UpdateKeepOld},
			{Path: "settings/plain"},
		},
		UserSettingsFiles: []pkginfo.UserSettingsFile{
			{Path: "settings/u", Directory: true},
			{Path: "settings/u.conf", Template: "data/demo/u.conf"},
		},
		Users:               []pkginfo.User{{Name: "demo", RealName: "Demo User", Home: "/boot/home/demo", Shell: "/bin/sh", Groups: []string{"a", "b"}}, {Name: "bare"}},
		Groups:              []string{"demogroup"},
		PostInstallScripts:  []string{"boot/post-install/demo.sh"},
		PreUninstallScripts: []string{"boot/pre-uninstall/demo.sh"},
		InstallPath:         "/boot/system",
	}
}

func bytesOpen(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func fileEntry(name string, data []byte, perm uint32, xattrs ...Xattr) *Entry {
	t := time.Unix(1700000000, 123456789)
	return &Entry{Name: name, Type: FileRegular, Perm: perm, Size: int64(len(data)), Open: bytesOpen(data),
		ATime: t, MTime: t.Add(-time.Hour), CrTime: t.Add(-2 * time.Hour), Xattrs: xattrs}
}

// genTree returns a tree with nested directories, symlinks, extended
// attributes (inline and in the heap), an empty file, tiny files and a
// multi-chunk file (several 64 KiB chunks, partly incompressible).
func genTree(seed uint64) []*Entry {
	r := rand.New(rand.NewPCG(seed, 1))
	big := make([]byte, 300_000)
	for i := range big {
		if i < 150_000 {
			big[i] = byte(r.IntN(256))
		} else {
			big[i] = "abcabcabd\n"[i%10]
		}
	}
	icon := make([]byte, 544)
	for i := range icon {
		icon[i] = byte(r.IntN(256))
	}
	dir := func(name string, kids ...*Entry) *Entry {
		return &Entry{Name: name, Type: FileDirectory, Perm: 0o755, MTime: time.Unix(1600000000, 0), Children: kids,
			Xattrs: []Xattr{{Name: "BEOS:TYPE", Type: 0x4d494d53, Value: []byte("application/x-vnd.Be-directory\x00")}}}
	}
	return []*Entry{
		dir("apps", fileEntry("Demo", big, 0o755,
			Xattr{Name: "BEOS:APP_FLAGS", Type: 0x41505046, Value: []byte{0, 0, 0, 1}},
			Xattr{Name: "BEOS:ICON", Type: 0x5643494e, Value: icon},
			Xattr{Name: "empty", Type: 0x52415754})),
		dir("data", dir("demo", dir("deeper", dir("deepest",
			fileEntry("tiny", []byte("12345678"), 0o644),
			fileEntry("nine", []byte("123456789"), 0o600),
			fileEntry("empty", nil, 0o644),
		))), &Entry{Name: "link", Type: FileSymlink, Perm: 0o777, LinkTarget: "../apps/Demo", MTime: time.Unix(5, 6)}),
		{Name: "bin", Type: FileDirectory, Perm: 0o700, User: "root", Group: "wheel"},
	}
}

// compareEntries checks two trees for equal meaning, contents included.
func compareEntries(t *testing.T, dir string, got, want []*Entry) {
	t.Helper()
	if len(got) != len(want) {
		var g, w []string
		for _, e := range got {
			g = append(g, e.Name)
		}
		for _, e := range want {
			w = append(w, e.Name)
		}
		t.Fatalf("%s/: entries %q, want %q", dir, g, w)
	}
	for i := range got {
		g, w := got[i], want[i]
		p := dir + "/" + w.Name
		wantPerm := w.Perm
		if wantPerm == 0 {
			wantPerm = w.Type.DefaultPerm()
		}
		if g.Name != w.Name || g.Type != w.Type || g.Perm != wantPerm || g.User != w.User || g.Group != w.Group || g.LinkTarget != w.LinkTarget || g.Size != w.Size {
			t.Errorf("%s: got %+v, want %+v", p, *g, *w)
		}
		for _, tm := range [][2]time.Time{{g.ATime, w.ATime}, {g.MTime, w.MTime}, {g.CrTime, w.CrTime}} {
			if !tm[0].Equal(tm[1]) {
				t.Errorf("%s: time %v, want %v", p, tm[0], tm[1])
			}
		}
		if len(g.Xattrs) != len(w.Xattrs) {
			t.Errorf("%s: %d attributes, want %d", p, len(g.Xattrs), len(w.Xattrs))
		} else {
			for j := range g.Xattrs {
				gx, wx := g.Xattrs[j], w.Xattrs[j]
				gv, wv := xattrBytes(t, gx), xattrBytes(t, wx)
				if gx.Name != wx.Name || gx.Type != wx.Type || !bytes.Equal(gv, wv) || gx.Size() != int64(len(wv)) {
					t.Errorf("%s: attribute %s/%x (%d bytes), want %s/%x (%d bytes)", p, gx.Name, gx.Type, len(gv), wx.Name, wx.Type, len(wv))
				}
			}
		}
		if w.Type == FileRegular && w.Size > 0 {
			gb, wb := readAll(t, g), readAll(t, w)
			if !bytes.Equal(gb, wb) {
				t.Errorf("%s: contents differ (%d vs %d bytes)", p, len(gb), len(wb))
			}
		}
		compareEntries(t, p, g.Children, w.Children)
	}
}

// xattrBytes returns an attribute's value, read through Open when the
// value was not loaded.
func xattrBytes(t *testing.T, x Xattr) []byte {
	t.Helper()
	if x.Value != nil || x.Open == nil {
		return x.Value
	}
	rc, err := x.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAll(t *testing.T, e *Entry) []byte {
	t.Helper()
	rc, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeBytes(t *testing.T, info *pkginfo.PackageInfo, tree []*Entry, opts WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePackage(&buf, info, tree, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openBytes(t testing.TB, b []byte) *Package {
	t.Helper()
	p, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, comp := range []Compression{CompressionZlib, CompressionZstd, CompressionNone} {
		t.Run(comp.String(), func(t *testing.T) {
			info := fullInfo()
			tree := genTree(1)
			raw := writeBytes(t, info, tree, WriteOptions{Compression: comp})
			p := openBytes(t, raw)
			if p.Header.Compression != comp || p.Header.MinorVersion != MinorVersion {
				t.Errorf("header %+v", p.Header)
			}
			if comp != CompressionNone && p.Heap().Chunks() < 5 {
				t.Errorf("heap has %d chunks, want a multi-chunk heap", p.Heap().Chunks())
			}
			if comp != CompressionNone && p.Header.HeapCompressedSize >= p.Header.HeapUncompressedSize {
				t.Errorf("heap not compressed: %d >= %d", p.Header.HeapCompressedSize, p.Header.HeapUncompressedSize)
			}
			if !reflect.DeepEqual(&p.Info, info) {
				t.Errorf("info:\n got %+v\nwant %+v", p.Info, *info)
			}
			es, err := p.Entries()
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != len(tree)+1 || es[len(es)-1].Name != PackageInfoFile {
				t.Fatalf("root has %d entries, want %d and .PackageInfo last", len(es), len(tree)+1)
			}
			compareEntries(t, "", es[:len(tree)], tree)
			text, err := p.ReadFile(PackageInfoFile, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := pkginfo.ParsePackageInfoBytes(text, PackageInfoFile)
			if err != nil {
				t.Fatalf("written .PackageInfo does not parse: %v\n%s", err, text)
			}
			wantText := *info
			wantText.InstallPath = "" // not a .PackageInfo field (FORMATS.md §3.2)
			if !reflect.DeepEqual(*parsed, wantText) {
				t.Errorf(".PackageInfo means\n %+v\nwant %+v", *parsed, *info)
			}

			// The same package written through a seekable file is identical.
			f, err := os.Create(filepath.Join(t.TempDir(), "x.hpkg"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := WritePackage(f, info, tree, WriteOptions{Compression: comp, PackageInfoText: text}); err != nil {
				t.Fatal(err)
			}
			raw2 := writeBytes(t, info, tree, WriteOptions{Compression: comp, PackageInfoText: text})
			onDisk, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(onDisk, raw2) {
				t.Errorf("seekable output (%d bytes) differs from buffered output (%d bytes)", len(onDisk), len(raw2))
			}
		})
	}
}

func TestStringTables(t *testing.T) {
	// All strings unique: both tables are empty.
	info := &pkginfo.PackageInfo{Name: "u", Summary: "s", Description: "d", Vendor: "v", Packager: "p", Version: pkginfo.Version{Major: "1"}}
	raw := writeBytes(t, info, []*Entry{fileEntry("f", []byte("x"), 0)}, WriteOptions{Compression: CompressionZlib, PackageInfoText: []byte("x")})
	p := openBytes(t, raw)
	if h := p.Header; h.AttributesStringsCount != 0 || h.AttributesStringsLength != 1 || h.TOCStringsCount != 0 || h.TOCStringsLength != 1 {
		t.Errorf("want empty string tables, header %+v", h)
	}
	if !reflect.DeepEqual(&p.Info, info) {
		t.Errorf("info %+v", p.Info)
	}

	// Thousands of repeated names: a huge TOC string table.
	var tree []*Entry
	for i := range 3000 {
		var kids []*Entry
		for j := range 3 {
			kids = append(kids, fileEntry(fmt.Sprintf("file-%d", j), []byte(fmt.Sprint(i, j)), 0,
				Xattr{Name: "BEOS:TYPE", Type: 0x4d494d53, Value: []byte("text/plain")}))
		}
		tree = append(tree, &Entry{Name: fmt.Sprintf("dir-%04d-%s", i, strings.Repeat("x", i%50)), Type: FileDirectory, Children: kids})
	}
	raw = writeBytes(t, info, tree, WriteOptions{Compression: CompressionZstd, PackageInfoText: []byte("x")})
	p = openBytes(t, raw)
	if p.Header.TOCStringsCount < 4 || p.Header.TOCStringsLength < 20 {
		t.Errorf("TOC string table: %d strings, %d bytes", p.Header.TOCStringsCount, p.Header.TOCStringsLength)
	}
	es, err := p.Entries()
	if err != nil {
		t.Fatal(err)
	}
	compareEntries(t, "", es[:len(tree)], tree)
	// Strings used most come first.
	d, _ := p.tocDecoder()
	if s := d.Strings(); s[0] != "BEOS:TYPE" && s[0] != "text/plain" {
		t.Errorf("first table string %q, want the most used", s[0])
	}
}

func TestEncodeSectionDeterministic(t *testing.T) {
	nodes := PackageInfoNodes(fullInfo())
	a, al, ac, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		b, bl, bc, _ := EncodeSection(nodes)
		if !bytes.Equal(a, b) || al != bl || ac != bc {
			t.Fatal("EncodeSection output differs between runs")
		}
	}
	d, err := NewDecoder(a, al, ac, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadPackageInfo(d)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, fullInfo()) {
		t.Errorf("got %+v", got)
	}
}

func TestFixtureRewrite(t *testing.T) {
	for _, name := range hpkgFixtures {
		for _, comp := range []Compression{CompressionZlib, CompressionZstd} {
			t.Run(name+"/"+comp.String(), func(t *testing.T) {
				p := openFixture(t, name)
				es, err := p.Entries()
				if err != nil {
					t.Fatal(err)
				}
				raw := writeBytes(t, &p.Info, es, WriteOptions{Compression: comp})
				q := openBytes(t, raw)
				if !reflect.DeepEqual(q.Info, p.Info) {
					t.Errorf("info:\n got %+v\nwant %+v", q.Info, p.Info)
				}
				qes, err := q.Entries()
				if err != nil {
					t.Fatal(err)
				}
				compareEntries(t, "", qes, es)
				// Same layout as Haiku's: the attribute trees are equal,
				// heap offsets included.
				for _, f := range []func(*Package) ([]Node, error){(*Package).ReadTOCTree, (*Package).ReadAttributesTree} {
					a, err := f(p)
					if err != nil {
						t.Fatal(err)
					}
					b, err := f(q)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(a, b) {
						t.Errorf("attribute trees differ after rewriting")
					}
				}
				if q.Header.HeapUncompressedSize != p.Header.HeapUncompressedSize {
					t.Errorf("uncompressed heap %d, want %d", q.Header.HeapUncompressedSize, p.Header.HeapUncompressedSize)
				}
			})
		}
	}
}
