package bench

// Whole-package validation (hpkg.Validate, what publish, import, Ingest,
// verify --deep and "kiln hpkg verify" run) against hashing alone, on the
// fixture packages and on generated 64 MiB packages (zlib and zstd; one
// file of pseudo-random letters, so every chunk is compressed). Ratios are
// of CPU time (user+system, all threads), measured in the same run; wall
// time on a shared machine is not a useful measure:
//   x-sha256  = SHA-256 and Validate in one pass / SHA-256 alone
//   x-inflate = the same / SHA-256 and inflating every chunk with
//               hpkg.HeapReader (the least any validation must do)
// Run: go test -run '^$' -bench HPKGValidate -benchmem ./bench

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// generatedPackage writes a package with one file of size letters to
// path (zlib level 1 or zstd).
func generatedPackage(b *testing.B, path string, size int64, comp hpkg.Compression) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	tree := []*hpkg.Entry{{Name: "big.bin", Type: hpkg.FileRegular, Size: size,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(testenv.Letters(size)), nil }}}
	v, _ := pkginfo.ParsePackageVersion("1-1")
	info := &pkginfo.PackageInfo{Name: "big", Version: v, Architecture: pkginfo.ArchX86_64,
		Summary: "big", Description: "big", Vendor: "Haiku Project", Packager: "kiln bench",
		Provides: []pkginfo.Resolvable{{Name: "big", Version: v}}}
	if err := hpkg.WritePackage(f, info, tree, hpkg.WriteOptions{Compression: comp, Level: 1}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkHPKGValidate(b *testing.B) {
	dir := b.TempDir()
	cases := []struct{ name, path string }{
		{"tipster", testenv.Fixture(b, "hpkg/tipster-1.1.1-1-x86_64.hpkg")},
		{"artificial", testenv.Fixture(b, "hpkg/artificial-1.0.0-any.hpkg")},
		{"64MiB-zlib", filepath.Join(dir, "zlib.hpkg")},
		{"64MiB-zstd", filepath.Join(dir, "zstd.hpkg")},
	}
	generatedPackage(b, cases[2].path, 64<<20, hpkg.CompressionZlib)
	generatedPackage(b, cases[3].path, 64<<20, hpkg.CompressionZstd)
	for _, c := range cases {
		raw, err := os.ReadFile(c.path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			hash := cpuPerOp(b, func() error {
				h := sha256.New()
				_, err := io.Copy(h, bytes.NewReader(raw))
				return err
			})
			inflate := cpuPerOp(b, func() error {
				h := sha256.New()
				io.Copy(h, bytes.NewReader(raw))
				p, err := hpkg.Open(bytes.NewReader(raw), int64(len(raw)))
				if err != nil {
					return err
				}
				defer p.Close()
				_, err = io.Copy(io.Discard, io.NewSectionReader(p.Heap(), 0, p.Heap().Size()))
				return err
			})
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			cpu := hpkrCPUTime()
			for b.Loop() {
				h := sha256.New()
				if _, err := hpkg.Validate(io.TeeReader(bytes.NewReader(raw), h)); err != nil {
					b.Fatal(err)
				}
			}
			per := (hpkrCPUTime() - cpu) / time.Duration(b.N)
			b.ReportMetric(float64(per)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(per)/float64(hash), "x-sha256")
			b.ReportMetric(float64(per)/float64(inflate), "x-inflate")
		})
	}
}

// cpuPerOp returns the CPU time of fn per run, over at least 5 runs and
// 300 ms of CPU time.
func cpuPerOp(b *testing.B, fn func() error) time.Duration {
	b.Helper()
	start := hpkrCPUTime()
	n := 0
	for n < 5 || hpkrCPUTime()-start < 300*time.Millisecond {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return (hpkrCPUTime() - start) / time.Duration(n)
}
