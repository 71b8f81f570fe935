package bench

// Repository (HPKR) read and write benchmarks on a 5,000-package repository
// shaped like the real 2013 HaikuPorts repo fixture: its 235 packages cloned
// with new names (and new provides/checksums) until there are 5,000. Each
// benchmark reports its time as a ratio to a baseline measured in the same
// run on the same data:
//   read:  x-inflate = ReadRepository / zlib-decompressing the heap
//          x-jsondec = ReadRepository / json.Unmarshal of the packages
//   write: x-deflate = WriteRepository / zlib-9-compressing the heap
//          x-jsonenc = WriteRepository / json.Marshal of the packages
// cpu-ms/op is CPU time (user+system, all threads) per operation, steadier
// than ns/op when the machine is shared.
// Run: go test -run '^$' -bench HPKR -benchmem ./bench

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

const benchPackages = 5000

type hpkrData struct {
	info pkginfo.RepositoryInfo
	pkgs []pkginfo.PackageInfo
	repo []byte // the written repository
	heap []byte // its uncompressed heap
	zlib []byte // heap compressed as one zlib-9 stream
	json []byte // the packages as JSON
}

var (
	hpkrOnce sync.Once
	hpkr     hpkrData
	hpkrErr  error
)

func loadHPKR(b *testing.B) *hpkrData {
	b.Helper()
	path := testenv.Fixture(b, filepath.Join("hpkr", "repo-2013-x86.hpkr"))
	hpkrOnce.Do(func() { hpkrErr = buildHPKR(path) })
	if hpkrErr != nil {
		b.Fatal(hpkrErr)
	}
	return &hpkr
}

func buildHPKR(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fixture, err := hpkg.ReadRepository(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return err
	}
	d := &hpkr
	d.info = fixture.Info
	for i := 0; len(d.pkgs) < benchPackages; i++ {
		p := fixture.Packages[i%len(fixture.Packages)]
		clone := i / len(fixture.Packages)
		if clone > 0 {
			suffix := fmt.Sprintf("_c%d", clone)
			p.Name += suffix
			p.Provides = append([]pkginfo.Resolvable(nil), p.Provides...)
			for j := range p.Provides {
				p.Provides[j].Name += suffix
			}
			p.Version.Revision += uint32(clone)
			s := sha256.Sum256([]byte(p.Name))
			p.Checksum = hex.EncodeToString(s[:])
		}
		d.pkgs = append(d.pkgs, p)
	}
	if d.repo, err = hpkg.AppendRepository(nil, d.info, d.pkgs); err != nil {
		return err
	}
	r, err := hpkg.ReadRepository(bytes.NewReader(d.repo), int64(len(d.repo)))
	if err != nil {
		return err
	}
	if len(r.Packages) != benchPackages {
		return fmt.Errorf("read %d packages, want %d", len(r.Packages), benchPackages)
	}
	h, err := hpkg.NewHeapReader(bytes.NewReader(d.repo), int64(len(d.repo)), hpkg.HeapParams{
		Offset: hpkg.RepoHeaderSize, Compression: r.Header.Compression, ChunkSize: r.Header.ChunkSize,
		CompressedSize: r.Header.HeapCompressedSize, UncompressedSize: r.Header.HeapUncompressedSize,
	})
	if err != nil {
		return err
	}
	if d.heap, err = io.ReadAll(io.NewSectionReader(h, 0, h.Size())); err != nil {
		return err
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, 9)
	zw.Write(d.heap)
	zw.Close()
	d.zlib = z.Bytes()
	d.json, err = json.Marshal(d.pkgs)
	return err
}

// baseline returns the time per op of fn, measured once per name (also
// used by repo_test.go).
var (
	hpkrBaselineMu sync.Mutex
	hpkrBaselines  = map[string]time.Duration{}
)

func baseline(name string, fn func()) time.Duration {
	hpkrBaselineMu.Lock()
	defer hpkrBaselineMu.Unlock()
	if d, ok := hpkrBaselines[name]; ok {
		return d
	}
	// testing.Benchmark cannot run inside a benchmark: time fn directly,
	// for at least 20 runs and 300 ms.
	fn()
	start := time.Now()
	n := 0
	for n < 20 || time.Since(start) < 300*time.Millisecond {
		fn()
		n++
	}
	d := time.Since(start) / time.Duration(n)
	hpkrBaselines[name] = d
	return d
}

// hpkrCPUTime is the process's user+system CPU time: on a shared machine it is
// a steadier measure than wall time (it includes GC work on other threads).
func hpkrCPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func hpkrReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(hpkrCPUTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

func hpkrReportRatio(b *testing.B, start time.Time, unit string, base time.Duration) {
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(base), unit)
}

func BenchmarkHPKRRead(b *testing.B) {
	d := loadHPKR(b)
	inflate := baseline("inflate", func() {
		zr, _ := zlib.NewReader(bytes.NewReader(d.zlib))
		io.Copy(io.Discard, zr)
	})
	jsonDec := baseline("jsondec", func() {
		var p []pkginfo.PackageInfo
		json.Unmarshal(d.json, &p)
	})
	b.Logf("%d packages, repo %d bytes, heap %d bytes; hpkrBaselines: inflate %v, json decode %v",
		benchPackages, len(d.repo), len(d.heap), inflate, jsonDec)
	b.SetBytes(int64(len(d.repo)))
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), hpkrCPUTime()
	for b.Loop() {
		if _, err := hpkg.ReadRepository(bytes.NewReader(d.repo), int64(len(d.repo))); err != nil {
			b.Fatal(err)
		}
	}
	hpkrReportCPU(b, cpu)
	hpkrReportRatio(b, start, "x-inflate", inflate)
	hpkrReportRatio(b, start, "x-jsondec", jsonDec)
}

func BenchmarkHPKRWrite(b *testing.B) {
	d := loadHPKR(b)
	deflate := baseline("deflate", func() {
		zw, _ := zlib.NewWriterLevel(io.Discard, 9)
		zw.Write(d.heap)
		zw.Close()
	})
	jsonEnc := baseline("jsonenc", func() { json.Marshal(d.pkgs) })
	b.Logf("%d packages, repo %d bytes, heap %d bytes; hpkrBaselines: deflate-9 %v, json encode %v",
		benchPackages, len(d.repo), len(d.heap), deflate, jsonEnc)
	b.SetBytes(int64(len(d.repo)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(d.repo)+1<<16)
	b.ResetTimer()
	start, cpu := time.Now(), hpkrCPUTime()
	for b.Loop() {
		out, err := hpkg.AppendRepository(buf[:0], d.info, d.pkgs)
		if err != nil {
			b.Fatal(err)
		}
		if len(out) != len(d.repo) {
			b.Fatal("output size changed")
		}
	}
	hpkrReportCPU(b, cpu)
	hpkrReportRatio(b, start, "x-deflate", deflate)
	hpkrReportRatio(b, start, "x-jsonenc", jsonEnc)
}
