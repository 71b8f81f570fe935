package bench

// Streaming ingest of one large package (what a builder's output takes):
// repo.Ingest reads a 1 GiB package (uncompressed; one file of
// pseudo-random letters, zlib level 1) from a plain io.Reader into a file
// store and into versitygw on loopback, validating and hashing it while it
// is staged, then moving it into current/packages/ (a hard link in the file
// store; on S3 a conditional copy streams through kiln). Reports the peak Go heap in use during the ingest
// (heap-MiB, sampled every 10 ms; it must not grow with the package),
// bytes allocated, and CPU time as a ratio to a plain Put of the same
// bytes into the same store (x-put), measured in the same run.
// Run: go test -run '^$' -bench RepoIngest -benchtime 1x ./bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// peakHeap samples HeapInuse every 10 ms until stop is called and returns
// the peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

func BenchmarkRepoIngest(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "big.hpkg")
	generatedPackage(b, path, 1<<30, hpkg.CompressionZlib)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	open := func() *os.File {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	fileStore, err := store.CreateFile(filepath.Join(dir, "store"))
	if err != nil {
		b.Fatal(err)
	}
	stores := []struct {
		name string
		open func() store.Store
	}{
		{"file", func() store.Store { return fileStore }},
		{"versitygw", func() store.Store { return s3test.StartVersity(b).Store(b, "ingest") }},
	}
	for _, sc := range stores {
		b.Run(sc.name, func(b *testing.B) {
			st := sc.open()
			put := cpuPerOp(b, func() error {
				f := open()
				defer f.Close()
				_, err := st.Put(ctx, "plain/big.hpkg", onlyReader{f}, fi.Size(), store.PutOptions{})
				return err
			})
			b.Logf("package: %d MiB compressed, 1024 MiB uncompressed; plain Put %v CPU", fi.Size()>>20, put)
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			stop := peakHeap()
			cpu := hpkrCPUTime()
			for b.Loop() {
				r := repo.New(st, repo.Target{Branch: "b", Arch: "x86_64"}, repo.Options{})
				f := open()
				if _, err := r.Ingest(ctx, "big", onlyReader{f}, fi.Size(), repo.Source{}); err != nil {
					b.Fatal(err)
				}
				f.Close()
				if err := st.Delete(ctx, r.PackageKey("big-1-1-x86_64.hpkg")); err != nil {
					b.Fatal(err)
				}
			}
			per := (hpkrCPUTime() - cpu) / time.Duration(b.N)
			peak := stop()
			b.ReportMetric(float64(peak-min(peak, before.HeapInuse))/(1<<20), "heap-MiB")
			b.ReportMetric(float64(per)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(per)/float64(put), "x-put")
		})
	}
}
