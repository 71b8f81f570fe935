package hpkg

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// patternReader yields n pseudo-random but compressible bytes.
type patternReader struct {
	r *rand.Rand
	n int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n)]
	var v uint64
	for i := range b {
		if i%16 == 0 {
			v = p.r.Uint64()
		}
		b[i] = 'a' + byte(v&7)
		v >>= 3
	}
	p.n -= int64(len(b))
	return len(b), nil
}

func newPattern(n int64) io.Reader { return &patternReader{r: rand.New(rand.NewPCG(7, 7)), n: n} }

// TestLargePackageStreams writes a 16 MiB file into a package on disk and
// checks that the writer's memory does not grow with the file, then reads
// the contents back.
func TestLargePackageStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large package")
	}
	const size = 16 << 20
	tree := []*Entry{{Name: "big", Type: FileRegular, Size: size,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(newPattern(size)), nil }}}
	info := &pkginfo.PackageInfo{Name: "big", Version: pkginfo.Version{Major: "1"}}
	f, err := os.Create(filepath.Join(t.TempDir(), "big.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := WritePackage(f, info, tree, WriteOptions{Compression: CompressionZstd, PackageInfoText: []byte("name big\n")}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("writing a %d-byte file allocated %d bytes", size, grew)
	}
	fi, _ := f.Stat()
	p, err := Open(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Heap().Chunks() != size/ChunkSize+1 {
		t.Errorf("%d chunks", p.Heap().Chunks())
	}
	e, err := p.Lookup("big")
	if err != nil {
		t.Fatal(err)
	}
	got, want := sha256.New(), sha256.New()
	if _, err := io.Copy(got, p.OpenData(e.Data)); err != nil {
		t.Fatal(err)
	}
	io.Copy(want, newPattern(size))
	if string(got.Sum(nil)) != string(want.Sum(nil)) || e.Size != size {
		t.Errorf("contents differ")
	}
}
