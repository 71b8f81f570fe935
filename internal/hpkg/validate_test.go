package hpkg

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// validateBytes runs Validate on b, and the Validator fed in odd-sized
// writes, and checks both agree.
func validateBytes(t *testing.T, b []byte) (*Validated, error) {
	t.Helper()
	res, err := Validate(iotest.HalfReader(bytes.NewReader(b)))
	v := NewValidator()
	var werr error
	for rest := b; len(rest) > 0 && werr == nil; {
		k := min(len(rest), 1+len(rest)%7777)
		_, werr = v.Write(rest[:k])
		rest = rest[k:]
	}
	res2, err2 := v.Close()
	if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
		t.Fatalf("Validate: %v; Validator: %v (write %v)", err, err2, werr)
	}
	if err == nil && !reflect.DeepEqual(res, res2) {
		t.Fatalf("Validate and Validator differ")
	}
	return res, err
}

// checkValid validates b and compares the result with what Open reads.
func checkValid(t *testing.T, what string, b []byte) *Validated {
	t.Helper()
	res, err := validateBytes(t, b)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	p := openBytes(t, b)
	defer p.Close()
	if !reflect.DeepEqual(res.Info, p.Info) || res.Header != p.Header || res.Size != int64(len(b)) {
		t.Errorf("%s: validated info or header differ from Open's", what)
	}
	entries, xattrs := 0, 0
	p.Walk(func(_ string, e *Entry) error {
		entries++
		xattrs += len(e.Xattrs)
		return nil
	})
	if res.Entries != entries || res.Xattrs != xattrs {
		t.Errorf("%s: %d entries, %d xattrs; Open walks %d, %d", what, res.Entries, res.Xattrs, entries, xattrs)
	}
	return res
}

func TestValidateFixtures(t *testing.T) {
	for _, name := range []string{"tipster-1.1.1-1-x86_64.hpkg", "artificial-1.0.0-any.hpkg"} {
		b := fixtureBytes(t, name)
		res := checkValid(t, name, b)
		t.Logf("%s: %d entries, %d xattrs, %d data bytes, data area %d", name, res.Entries, res.Xattrs, res.DataBytes, res.Header.TOCOffset())
		if res.DataBytes > res.Header.TOCOffset() {
			t.Errorf("%s: %d data bytes in a %d-byte data area", name, res.DataBytes, res.Header.TOCOffset())
		}
	}
}

// incompressible returns n random bytes (chunks holding them are stored
// raw).
func incompressible(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestValidateGenerated(t *testing.T) {
	info := fullInfo()
	for _, comp := range []Compression{CompressionZlib, CompressionZstd, CompressionNone} {
		t.Run(comp.String(), func(t *testing.T) {
			checkValid(t, "tree", writeBytes(t, info, genTree(3), WriteOptions{Compression: comp, PackageInfoText: []byte("x")}))
			// Compressible and incompressible chunks mixed: raw chunks
			// in the middle of compressed ones, and a raw last chunk.
			mixed := []*Entry{
				fileEntry("a", bytes.Repeat([]byte("abc"), 100000), 0o644),
				fileEntry("b", incompressible(1, 3*ChunkSize+17), 0o644),
				fileEntry("c", bytes.Repeat([]byte("z"), 2*ChunkSize), 0o644),
				fileEntry("d", incompressible(2, ChunkSize), 0o644),
			}
			b := writeBytes(t, info, mixed, WriteOptions{Compression: comp, PackageInfoText: bytes.Repeat([]byte("y"), 5*ChunkSize)})
			res := checkValid(t, "mixed", b)
			if want := uint64(300000 + 3*ChunkSize + 17 + 2*ChunkSize + ChunkSize + 5*ChunkSize); res.DataBytes != want {
				t.Errorf("%d data bytes, want %d", res.DataBytes, want)
			}
		})
	}
}

// corruptTipster is the example: 4 bytes of 0xff at offset 30000.
func corruptTipster(t testing.TB) []byte {
	b := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	copy(b[30000:], []byte{0xff, 0xff, 0xff, 0xff})
	return b
}

func TestValidateCorrupt(t *testing.T) {
	tip := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	// Open reads only the package attributes: it cannot see the damage.
	if _, err := Open(bytes.NewReader(corruptTipster(t)), int64(len(tip))); err != nil {
		t.Fatalf("Open of the corrupt fixture: %v (the test assumes the damage is outside the attributes)", err)
	}
	_, err := validateBytes(t, corruptTipster(t))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "heap chunk 1 of 3 at offset 21156: zlib") {
		t.Errorf("corrupt chunk: %v, want ErrFormat naming heap chunk 1", err)
	}

	// Every truncation and appended data are refused.
	for n := 0; n < len(tip); n += 1 + n/50 {
		if _, err := validateBytes(t, tip[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	if _, err := validateBytes(t, append(bytes.Clone(tip), 0)); err == nil || !strings.Contains(err.Error(), "data after the 49334 bytes") {
		t.Errorf("one byte appended: %v", err)
	}

	// A changed byte after the header is refused unless the package still
	// means the same: tipster's chunks are all compressed, and zlib's
	// checksum covers every uncompressed byte (a change in an unused part
	// of a deflate block header can leave the output as it was).
	origHeap := heapBytes(t, tip)
	step := 31
	if testing.Short() {
		step = 211
	}
	for i := HeaderSize; i < len(tip); i += step {
		c := bytes.Clone(tip)
		c[i] ^= 0x55
		if _, err := Validate(bytes.NewReader(c)); err == nil && !bytes.Equal(heapBytes(t, c), origHeap) {
			t.Errorf("byte %d changed: no error, but the heap differs", i)
		}
	}
}

// heapBytes returns the whole uncompressed heap of a package that opens.
func heapBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	p := openBytes(t, b)
	defer p.Close()
	out, err := io.ReadAll(io.NewSectionReader(p.Heap(), 0, p.Heap().Size()))
	if err != nil {
		t.Fatalf("validated, but the heap does not read: %v", err)
	}
	return out
}

func TestValidateBadTOC(t *testing.T) {
	info := &pkginfo.PackageInfo{Name: "demo", Version: pkginfo.Version{Major: "1"}}
	tree := []*Entry{fileEntry("a", bytes.Repeat([]byte("a"), 100), 0o644), fileEntry("b", bytes.Repeat([]byte("b"), 100), 0o644)}
	raw := writeBytes(t, info, tree, WriteOptions{Compression: CompressionNone, PackageInfoText: []byte("x")})
	p := openBytes(t, raw)
	es, _ := p.Entries()
	if es[1].Data.Offset != 100 {
		t.Fatalf("layout: b's data at %d", es[1].Data.Offset)
	}
	// b's data reference is the LEB128 offset 100 (0x64): point it at a's
	// data, then past the data area.
	toc := HeaderSize + int(p.Header.TOCOffset())
	i := bytes.Index(raw[toc:], []byte{100, 100}) // size 100, offset 100
	if i < 0 {
		t.Fatal("b's data reference not found")
	}
	for _, tc := range []struct {
		off  byte
		want string
	}{
		{50, `data of "b" (100 bytes at heap offset 50) overlaps the data of "a"`},
		{120, "lies outside the data area"},
	} {
		c := bytes.Clone(raw)
		c[toc+i+1] = tc.off
		if _, err := validateBytes(t, c); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("offset %d: %v, want %q", tc.off, err, tc.want)
		}
	}
}

// TestValidateLargeBounded validates a 64 MiB package (on disk) and checks
// that memory does not grow with it.
func TestValidateLargeBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large package")
	}
	const size = 64 << 20
	tree := []*Entry{{Name: "big", Type: FileRegular, Size: size,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(newPattern(size)), nil }}}
	info := &pkginfo.PackageInfo{Name: "big", Version: pkginfo.Version{Major: "1"}}
	path := filepath.Join(t.TempDir(), "big.hpkg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WritePackage(f, info, tree, WriteOptions{Compression: CompressionZlib, Level: 1, PackageInfoText: []byte("name big\n")}); err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Validate(f)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if res.DataBytes != size+9 { // and .PackageInfo
		t.Errorf("%d data bytes", res.DataBytes)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 2<<20 {
		t.Errorf("validating a %d MiB package allocated %d bytes", size>>20, grew)
	}
}

// FuzzValidate: whatever Validate accepts, Open reads with the same info
// and every entry, file and attribute reads without error.
func FuzzValidate(f *testing.F) {
	for _, name := range hpkgFixtures {
		f.Add(fixtureBytes(f, name))
	}
	info := &pkginfo.PackageInfo{Name: "f", Version: pkginfo.Version{Major: "1"}, Provides: []pkginfo.Resolvable{{Name: "f"}}}
	for _, comp := range []Compression{CompressionNone, CompressionZlib, CompressionZstd} {
		var b bytes.Buffer
		tree := []*Entry{{Name: "d", Type: FileDirectory, Children: []*Entry{fileEntry("x", []byte("0123456789abc"), 0o600,
			Xattr{Name: "a", Type: 1, Value: []byte("0123456789")})}}, fileEntry("r", incompressible(3, 300), 0o644)}
		if err := WritePackage(&b, info, tree, WriteOptions{Compression: comp, PackageInfoText: []byte("name f")}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Validate(bytes.NewReader(b))
		if err != nil {
			return
		}
		p, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("validated, but Open fails: %v", err)
		}
		defer p.Close()
		if !reflect.DeepEqual(res.Info, p.Info) {
			t.Fatal("validated info differs from Open's")
		}
		if err := readEverything(b); err != nil {
			t.Fatalf("validated, but reading everything fails: %v", err)
		}
	})
}
