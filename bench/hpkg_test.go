package bench

// Package (HPKG) benchmarks on the real tipster fixture (49 KB, zlib, 3
// chunks). Each reports its time as a ratio to a baseline measured in the
// same run on the same file:
//   BenchmarkHPKGInfo:  x-sha256 = hpkg.Open (header + package attributes)
//                       / SHA-256 of the whole file (what a repository
//                       writer computes for package:checksum anyway)
//   BenchmarkHPKGTOC:   x-inflate = Open + full TOC walk
//                       / zlib-inflating every heap chunk
//   BenchmarkHPKGWrite: x-deflate = WritePackage of tipster's tree
//                       / zlib-9-compressing its uncompressed heap
// Run: go test -run '^$' -bench HPKG -benchmem ./bench

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"io"
	"os"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/testenv"
)

func tipsterBytes(b *testing.B) []byte {
	b.Helper()
	raw, err := os.ReadFile(testenv.Fixture(b, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// timeOp returns the mean time of fn over enough runs to take ~200ms.
func hpkgTime(b *testing.B, fn func() error) time.Duration {
	b.Helper()
	n := 0
	start := time.Now()
	for time.Since(start) < 200*time.Millisecond {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return time.Since(start) / time.Duration(n)
}

func hpkgRatio(b *testing.B, name string, baseline time.Duration) {
	b.Helper()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(baseline), name)
	b.ReportMetric(float64(baseline.Nanoseconds()), "baseline-ns")
}

func BenchmarkHPKGInfo(b *testing.B) {
	b.ReportAllocs()
	raw := tipsterBytes(b)
	open := func() error {
		p, err := hpkg.Open(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return err
		}
		if p.Info.Name != "tipster" {
			b.Fatalf("name %q", p.Info.Name)
		}
		return p.Close()
	}
	baseline := hpkgTime(b, func() error { sha256.Sum256(raw); return nil })
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		if err := open(); err != nil {
			b.Fatal(err)
		}
	}
	hpkgRatio(b, "x-sha256", baseline)
}

func BenchmarkHPKGTOC(b *testing.B) {
	raw := tipsterBytes(b)
	p, err := hpkg.Open(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		b.Fatal(err)
	}
	// Baseline: inflate every chunk (their stored sizes come from the table).
	var chunks [][]byte
	off := int64(hpkg.HeaderSize)
	n := p.Heap().Chunks()
	table := raw[len(raw)-2*(n-1):]
	for i := range n {
		size := int64(len(raw)-2*(n-1)) - off // last chunk: whatever is left
		if i < n-1 {
			size = int64(table[2*i])<<8 | int64(table[2*i+1]) + 1
		}
		chunks = append(chunks, raw[off:off+size])
		off += size
	}
	buf := make([]byte, hpkg.ChunkSize)
	baseline := hpkgTime(b, func() error {
		for _, c := range chunks {
			zr, err := zlib.NewReader(bytes.NewReader(c))
			if err != nil {
				return err
			}
			if _, err := io.CopyBuffer(io.Discard, zr, buf); err != nil {
				return err
			}
		}
		return nil
	})
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		p, err := hpkg.Open(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		if err := p.Walk(func(string, *hpkg.Entry) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != 17 {
			b.Fatalf("%d entries", count)
		}
		p.Close()
	}
	hpkgRatio(b, "x-inflate", baseline)
}

func BenchmarkHPKGWrite(b *testing.B) {
	raw := tipsterBytes(b)
	p, err := hpkg.Open(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		b.Fatal(err)
	}
	es, err := p.Entries()
	if err != nil {
		b.Fatal(err)
	}
	heap, err := io.ReadAll(io.NewSectionReader(p.Heap(), 0, p.Heap().Size()))
	if err != nil {
		b.Fatal(err)
	}
	baseline := hpkgTime(b, func() error {
		var out bytes.Buffer
		for off := 0; off < len(heap); off += hpkg.ChunkSize {
			zw, _ := zlib.NewWriterLevel(&out, 9)
			zw.Write(heap[off:min(off+hpkg.ChunkSize, len(heap))])
			zw.Close()
		}
		return nil
	})
	b.SetBytes(int64(len(heap)))
	b.ResetTimer()
	for b.Loop() {
		var out bytes.Buffer
		if err := hpkg.WritePackage(&out, &p.Info, es, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
			b.Fatal(err)
		}
	}
	hpkgRatio(b, "x-deflate", baseline)
}
