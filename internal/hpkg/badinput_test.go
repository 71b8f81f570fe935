package hpkg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

func fixtureBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Fixture(t, "hpkg/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readEverything opens b and reads all it holds: package info, TOC, every
// file's contents and attribute value (at most 16 MiB each). It returns the first error.
func readEverything(b []byte) error {
	p, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	defer p.Close()
	if _, err := p.ReadTOCTree(); err != nil {
		return err
	}
	return p.Walk(func(path string, e *Entry) error {
		for i := range e.Xattrs {
			if _, err := p.XattrValue(&e.Xattrs[i], 16<<20); err != nil {
				return err
			}
		}
		if e.Type != FileRegular || e.Size > 16<<20 {
			return nil
		}
		_, err := p.ReadFile(path, 16<<20)
		return err
	})
}

func TestTruncated(t *testing.T) {
	for _, name := range hpkgFixtures {
		b := fixtureBytes(t, name)
		if err := readEverything(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for n := range len(b) {
			err := readEverything(b[:n])
			if err == nil {
				t.Fatalf("%s truncated to %d bytes: no error", name, n)
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("%s truncated to %d bytes: %v does not wrap ErrFormat", name, n, err)
			}
		}
	}
}

func TestBadHeaders(t *testing.T) {
	tip := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	patch := func(off int, v ...byte) []byte {
		c := bytes.Clone(tip)
		copy(c[off:], v)
		return c
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"magic", patch(0, 'h', 'p', 'k', 'r'), ErrMagic, `magic "hpkr"`},
		{"v1", patch(6, 0, 1), ErrVersion, "version 1"},
		{"v3", patch(6, 0, 3), ErrVersion, "version 3"},
		{"total size", patch(8, 0, 0, 0, 0, 0, 0, 0, 1), ErrFormat, "total size 1"},
		{"header size", patch(4, 0, 10), ErrFormat, "header size 10"},
		{"compression", patch(18, 0, 9), ErrFormat, "unknown compression 9"},
		{"chunk size", patch(20, 0, 2, 0, 0), ErrFormat, "chunk size 131072"},
		{"attributes too long", patch(40, 0x7f, 0, 0, 0), ErrFormat, "do not fit"},
		{"TOC strings", patch(64, 0, 0, 0, 0, 0, 1, 0, 0), ErrFormat, "TOC strings length"},
		{"empty", nil, ErrFormat, "too short"},
		{"4 bytes", []byte("hpkg"), ErrFormat, "too short"},
	} {
		_, err := Open(bytes.NewReader(tc.in), int64(len(tc.in)))
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %v mentioning %q", tc.name, err, tc.want, tc.msg)
		}
	}
	// A higher minor version is accepted.
	if err := readEverything(patch(16, 0, 7)); err != nil {
		t.Errorf("minor version 7: %v", err)
	}
	// reserved1 is ignored.
	if err := readEverything(patch(52, 1, 2, 3, 4)); err != nil {
		t.Errorf("reserved1: %v", err)
	}
}

// lyingHeader returns a size-byte file whose header claims a heap of heapU
// uncompressed bytes.
func lyingHeader(size int, heapU uint64, comp Compression) []byte {
	h := Header{HeaderSize: HeaderSize, Version: Version, TotalSize: uint64(size), Compression: comp,
		ChunkSize: ChunkSize, HeapCompressedSize: uint64(size - HeaderSize), HeapUncompressedSize: heapU,
		AttributesLength: 100, TOCLength: 100}
	b := appendHeader(nil, &h)
	return append(b, make([]byte, size-len(b))...)
}

func TestLyingSizes(t *testing.T) {
	in := lyingHeader(500, 4<<30, CompressionZlib)
	_, err := Open(bytes.NewReader(in), int64(len(in)))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "cannot fit") {
		t.Fatalf("got %v", err)
	}
	allocs := testing.AllocsPerRun(20, func() { Open(bytes.NewReader(in), int64(len(in))) })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 20 {
		Open(bytes.NewReader(in), int64(len(in)))
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / 20
	if allocs > 20 || perRun > 16<<10 {
		t.Errorf("rejecting a 500-byte file claiming a 4 GiB heap took %.0f allocations, %d bytes", allocs, perRun)
	}

	// Uncompressed heaps must have C == U.
	in = lyingHeader(500, 4<<30, CompressionNone)
	if _, err := Open(bytes.NewReader(in), int64(len(in))); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "compressed size 420 != uncompressed size") {
		t.Errorf("none: got %v", err)
	}
	// A plausible table for a big-but-possible heap still cannot make the
	// reader allocate the claimed section sizes: it fails on the data.
	in = lyingHeader(3000, 900*ChunkSize, CompressionZlib)
	if _, err := Open(bytes.NewReader(in), int64(len(in))); !errors.Is(err, ErrFormat) {
		t.Errorf("table: got %v", err)
	}
}

func TestChunkTableDoesNotAddUp(t *testing.T) {
	tip := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	n := len(tip)
	table := tip[n-4:] // 3 chunks: two u16 entries
	for _, tc := range []struct {
		name   string
		a, b   uint16
		msg    string
		detail string
	}{
		{"sum too large", 0xffff, 0xffff, "leaving nothing for the last chunk", "chunk-size table at offset"},
		{"shifted", binary.BigEndian.Uint16(table) + 1, binary.BigEndian.Uint16(table[2:]) - 1, "heap chunk", "zlib"},
	} {
		c := bytes.Clone(tip)
		binary.BigEndian.PutUint16(c[n-4:], tc.a)
		binary.BigEndian.PutUint16(c[n-2:], tc.b)
		err := readEverything(c)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.detail) {
			t.Errorf("%s: got %v, want ErrFormat mentioning %q and %q", tc.name, err, tc.msg, tc.detail)
		}
	}
}

func TestLastChunkTooBig(t *testing.T) {
	// Chunks 0 and 1 stored in 100 bytes each, leaving 50 for a last chunk
	// of 10 uncompressed bytes.
	file := make([]byte, 254)
	binary.BigEndian.PutUint16(file[250:], 99)
	binary.BigEndian.PutUint16(file[252:], 99)
	_, err := NewHeapReader(bytes.NewReader(file), int64(len(file)), HeapParams{Compression: CompressionZlib,
		ChunkSize: ChunkSize, CompressedSize: 254, UncompressedSize: 2*ChunkSize + 10})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "does not add up: last chunk 2 has stored size 50 > uncompressed size 10") {
		t.Errorf("got %v", err)
	}
}

func TestBadAttributes(t *testing.T) {
	info := &pkginfo.PackageInfo{Name: "demo", Summary: "s", Description: "d", Vendor: "v", Packager: "p",
		Version: pkginfo.Version{Major: "1"}, Provides: []pkginfo.Resolvable{{Name: "demo"}}}
	raw := writeBytes(t, info, nil, WriteOptions{Compression: CompressionNone, PackageInfoText: []byte("x")})
	p := openBytes(t, raw)
	h := p.Header
	attrStart := len(raw) - int(h.AttributesLength)
	list := attrStart + int(h.AttributesStringsLength)
	// The first attribute is package:name from the string table: tag 2448
	// (0x90 0x13) and index 0.
	if h.AttributesStringsCount != 1 || !bytes.Equal(raw[list:list+3], []byte{0x90, 0x13, 0}) {
		t.Fatalf("unexpected layout % x", raw[list:list+3])
	}
	for _, tc := range []struct {
		name string
		off  int
		v    []byte
		msg  string
	}{
		{"string index", list + 2, []byte{9}, "string index 9 of package:name out of range (table has 1 strings)"},
		{"type", list, []byte{0x90, 0x17}, "invalid attribute type 7"},
		{"string table", attrStart + 4, []byte{'x'}, "string table"},
		{"LEB128", list + 2, []byte{0xff}, "package attributes at offset"},
	} {
		c := bytes.Clone(raw)
		copy(c[tc.off:], tc.v)
		err := readEverything(c)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want ErrFormat mentioning %q", tc.name, err, tc.msg)
		}
	}

	// Unknown attribute ids are skipped, with their children.
	nodes := append([]Node{StringNode(99, "future", UintNode(98, 7), StringNode(AttrPackageName, "not me"))}, PackageInfoNodes(info)...)
	sec, sl, sc, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(sec, sl, sc, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadPackageInfo(d)
	if err != nil || got.Name != "demo" {
		t.Errorf("unknown attribute: %v, name %q", err, got.Name)
	}

	// Nesting deeper than MaxDepth is refused.
	deep := []byte{0}
	for range MaxDepth + 5 {
		tag := appendUvarint(nil, uint64(1<<10|uint64(TypeUint)<<7|uint64(AttrData))+1)
		deep = append(append(tag, 1), deep...)
		deep = append(deep, 0)
	}
	d, err = NewDecoder(append([]byte{0}, deep...), 1, 0, "deep")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadTree(); !errors.Is(err, ErrLimit) {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestTOCItemLimit(t *testing.T) {
	p := openFixture(t, "tipster-1.1.1-1-x86_64.hpkg")
	p.tocLimit = 41 // tipster has 17 entries and 25 attributes
	if _, err := p.Entries(); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 41 entries and attributes") {
		t.Errorf("got %v", err)
	}
	p = openFixture(t, "tipster-1.1.1-1-x86_64.hpkg")
	p.tocLimit = 42
	if _, err := p.Entries(); err != nil {
		t.Errorf("42 items: %v", err)
	}
}

func TestSingleByteChanges(t *testing.T) {
	b := fixtureBytes(t, "artificial-1.0.0-any.hpkg")
	for i := range b {
		for _, v := range []byte{0, 0xff, b[i] ^ 0x01, b[i] ^ 0x80} {
			c := bytes.Clone(b)
			c[i] = v
			readEverything(c) // must not panic or hang
		}
	}
	tip := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	for i := range HeaderSize {
		for _, v := range []byte{0, 0xff, tip[i] ^ 0x01, tip[i] ^ 0x80} {
			c := bytes.Clone(tip)
			c[i] = v
			readEverything(c)
		}
	}
}

// TestHeapReaderRandomAccess reads a multi-chunk heap at many offsets and
// lengths, across chunk boundaries.
func TestHeapReaderRandomAccess(t *testing.T) {
	data := make([]byte, 5*ChunkSize+1234)
	for i := range data {
		data[i] = byte(i*7 + i/1000)
	}
	for _, comp := range []Compression{CompressionNone, CompressionZlib, CompressionZstd} {
		var buf bytes.Buffer
		buf.Write(make([]byte, 10))
		hw, err := NewHeapWriter(&buf, comp, 0)
		if err != nil {
			t.Fatal(err)
		}
		hw.Write(data[:100])
		hw.ReadFrom(bytes.NewReader(data[100:]))
		c, u, err := hw.Close()
		if err != nil || u != uint64(len(data)) || c != uint64(buf.Len()-10) {
			t.Fatalf("%s: close %d %d %v", comp, c, u, err)
		}
		hr, err := NewHeapReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), HeapParams{Offset: 10, Compression: comp, ChunkSize: ChunkSize, CompressedSize: c, UncompressedSize: u})
		if err != nil {
			t.Fatal(err)
		}
		if hr.Chunks() != 6 {
			t.Errorf("%s: %d chunks", comp, hr.Chunks())
		}
		for _, r := range [][2]int{{0, 10}, {ChunkSize - 5, 10}, {3*ChunkSize - 1, 2*ChunkSize + 2}, {len(data) - 3, 3}, {0, len(data)}, {17, 0}} {
			got := make([]byte, r[1])
			if n, err := hr.ReadAt(got, int64(r[0])); err != nil || n != r[1] || !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Errorf("%s: ReadAt(%d, %d) = %d, %v", comp, r[0], r[1], n, err)
			}
		}
		got := make([]byte, 10)
		if n, err := hr.ReadAt(got, int64(len(data)-4)); n != 4 || err != io.EOF {
			t.Errorf("%s: read past end: %d %v", comp, n, err)
		}
	}
}
