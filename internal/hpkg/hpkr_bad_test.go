package hpkg

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/bmessage"
)

// buildRepo assembles a repository file from a raw info message and
// packages section (for corrupt-input tests), with the given heap
// compression.
func buildRepo(t testing.TB, comp Compression, info, section []byte, strLen, strCount uint64) []byte {
	t.Helper()
	var heap bytes.Buffer
	hw, err := NewHeapWriter(&heap, comp, 0)
	if err != nil {
		t.Fatal(err)
	}
	hw.Write(info)
	hw.Write(section)
	c, u, err := hw.Close()
	if err != nil {
		t.Fatal(err)
	}
	h := RepoHeader{HeaderSize: RepoHeaderSize, Version: RepoVersion, TotalSize: RepoHeaderSize + c,
		Compression: comp, ChunkSize: ChunkSize, HeapCompressedSize: c, HeapUncompressedSize: u,
		InfoLength: uint32(len(info)), PackagesLength: uint64(len(section)),
		PackagesStringsLength: strLen, PackagesStringsCount: strCount}
	return append(appendRepoHeader(nil, &h), heap.Bytes()...)
}

// uncompressedFixture is the fixture's content in a repository with an
// uncompressed heap: the same bytes a corrupting test or fuzzer can reach
// without breaking zlib.
func uncompressedFixture(t testing.TB) (raw []byte, repo *Repository) {
	repo, err := readRepoBytes(fixtureRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]Node, len(repo.Packages))
	for i := range repo.Packages {
		nodes[i] = StringNode(AttrPackage, repo.Packages[i].Name, PackageInfoNodes(&repo.Packages[i])...)
	}
	section, sl, sc, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return buildRepo(t, CompressionNone, repo.InfoMessage, section, sl, sc), repo
}

func TestReadRepositoryBadContent(t *testing.T) {
	raw, fixture := uncompressedFixture(t)
	repo, err := readRepoBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(repo.Packages, fixture.Packages) || !reflect.DeepEqual(repo.Info, fixture.Info) {
		t.Fatal("uncompressed copy of the fixture reads differently")
	}
	infoOff := RepoHeaderSize
	field := func(i, off int) int { return infoOff + bmessage.HeaderSize + bmessage.FieldHeaderSize*i + off }
	set32 := func(off int, v uint32) []byte {
		c := bytes.Clone(raw)
		c[off], c[off+1], c[off+2], c[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return c
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"bmessage magic", set32(infoOff, 0), bmessage.ErrFormat},
		{"bmessage field offset", set32(field(1, 16), 3), bmessage.ErrCorrupt},
		{"bmessage field offset huge", set32(field(3, 16), 0xffffff00), bmessage.ErrCorrupt},
		{"bmessage data size", set32(field(0, 12), 0x7fffffff), bmessage.ErrCorrupt},
		{"bmessage count", set32(field(2, 8), 1000), bmessage.ErrCorrupt},
		{"bmessage field count", set32(infoOff+40, 1000), bmessage.ErrCorrupt},
		{"priority becomes a string", set32(field(5, 4), bmessage.TypeString), bmessage.ErrWrongType},
		{"name field renamed", func() []byte {
			c := bytes.Clone(raw)
			i := bytes.Index(c, []byte("name\x00"))
			c[i] = 'N'
			return c
		}(), ErrFormat},
		{"architecture any", func() []byte {
			c := bytes.Clone(raw)
			i := bytes.Index(c, []byte("architecture\x00"))
			c[i+len("architecture\x00")] = 0
			return c
		}(), ErrFormat},
	} {
		_, err := readRepoBytes(tc.in)
		if !errors.Is(err, tc.want) || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want %v and ErrFormat", tc.name, err, tc.want)
		}
	}
	// Single-byte changes are rejected or read, never a panic: every byte of
	// the header and repository info, then a sample of the packages section.
	infoEnd := RepoHeaderSize + len(fixture.InfoMessage)
	for i := 0; i < len(raw); i++ {
		if i >= infoEnd+64 {
			i += 997
			if i >= len(raw) {
				break
			}
		}
		for _, v := range []byte{0xff, raw[i] ^ 0x80} {
			c := bytes.Clone(raw)
			c[i] = v
			readRepoBytes(c)
		}
	}
}

func FuzzReadHPKR(f *testing.F) {
	// Seeds: the real fixture (zlib), and small uncompressed repositories
	// (the fixture's repository info and first packages; generated packages
	// using every attribute) whose bytes mutations can reach directly.
	f.Add(fixtureRepo(f))
	fixture, err := readRepoBytes(fixtureRepo(f))
	if err != nil {
		f.Fatal(err)
	}
	small, err := appendRepository(nil, fixture.Info, fixture.Packages[:6], CompressionNone)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	info, pkgs := generatedRepo(f)
	gen, err := appendRepository(nil, info, pkgs[:3], CompressionNone)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gen)
	f.Fuzz(func(t *testing.T, in []byte) {
		repo, err := readRepoBytes(in)
		if err != nil {
			return
		}
		// Uncompressed, so the instrumented fuzzer does not spend its time
		// in zlib.
		out, err := appendRepository(nil, repo.Info, repo.Packages, CompressionNone)
		if err != nil {
			return // e.g. package_repo would reject it
		}
		again, err := readRepoBytes(out)
		if err != nil {
			t.Fatalf("written repository does not read back: %v", err)
		}
		if !reflect.DeepEqual(again.Info, repo.Info) || !reflect.DeepEqual(again.Packages, repo.Packages) {
			t.Fatal("repository changes in a write/read round trip")
		}
	})
}

// TestReadRepositorySkipsUnknown: attributes a newer Haiku might add (at
// the top level or inside a package) are skipped, with their children.
func TestReadRepositorySkipsUnknown(t *testing.T) {
	info, pkgs := generatedRepo(t)
	pkgs = pkgs[:3]
	msg, err := repoInfoMessage(&info)
	if err != nil {
		t.Fatal(err)
	}
	infoBytes, _ := msg.Flatten()
	unknown := func(id AttrID) Node {
		return StringNode(id, "future", UintNode(id+1, 7), StringNode(AttrPackageName, "not-a-package"))
	}
	nodes := []Node{unknown(100)}
	for i := range pkgs {
		kids := append([]Node{unknown(90)}, PackageInfoNodes(&pkgs[i])...)
		nodes = append(nodes, StringNode(AttrPackage, pkgs[i].Name, kids...), unknown(110))
	}
	section, sl, sc, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := readRepoBytes(buildRepo(t, CompressionZlib, infoBytes, section, sl, sc))
	if err != nil {
		t.Fatal(err)
	}
	comparePackages(t, repo.Packages, pkgs)
	// A package whose package:name contradicts its wrapper is an error.
	bad := []Node{StringNode(AttrPackage, "a", PackageInfoNodes(&pkgs[0])...)}
	section, sl, sc, _ = EncodeSection(bad)
	if _, err := readRepoBytes(buildRepo(t, CompressionNone, infoBytes, section, sl, sc)); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), `package:name is "tipster"`) {
		t.Errorf("mismatched name: %v", err)
	}
	// A package attribute without children is an error, not a read of the
	// next package's attributes.
	section, sl, sc, _ = EncodeSection([]Node{StringNode(AttrPackage, "a")})
	if _, err := readRepoBytes(buildRepo(t, CompressionNone, infoBytes, section, sl, sc)); !errors.Is(err, ErrFormat) {
		t.Errorf("package without attributes: %v", err)
	}
}
