package hpkg

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// Heap readers return their buffers and zlib reader to pools on Close; a
// closed reader still reads (taking them again), and readers used at the
// same time never see each other's chunks.
func TestHeapReaderPooledBuffers(t *testing.T) {
	raw := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	p, err := Open(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	heap := p.Heap()
	want, err := io.ReadAll(io.NewSectionReader(heap, 0, heap.Size()))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(heap, 0, heap.Size()))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read after Close: %v, equal %v", err, bytes.Equal(got, want))
	}
	heap.Close()
	heap.Close()

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			q, err := Open(bytes.NewReader(raw), int64(len(raw)))
			if err != nil {
				t.Error(err)
				return
			}
			h := q.Heap()
			for j := range 20 {
				// Backwards, so every read needs another chunk.
				for off := h.Size() - 1000*int64(j+i+1); off >= 0; off -= 40000 {
					b := make([]byte, 1000)
					if _, err := h.ReadAt(b, off); err != nil {
						t.Error(err)
						return
					}
					if !bytes.Equal(b, want[off:off+1000]) {
						t.Errorf("reader %d: wrong bytes at %d", i, off)
						return
					}
				}
				if j%5 == 4 {
					q.Close() // buffers go back to the pool mid-use
				}
			}
			q.Close()
		})
	}
	wg.Wait()
}
