package hpkg

import (
	"bytes"
	"sync"
	"testing"
)

// recordingReader records the byte ranges read from it.
type recordingReader struct {
	r     *bytes.Reader
	mu    sync.Mutex
	reads [][2]int64
}

func (rr *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	rr.mu.Lock()
	rr.reads = append(rr.reads, [2]int64{off, off + int64(len(p))})
	rr.mu.Unlock()
	return rr.r.ReadAt(p, off)
}

func (rr *recordingReader) touched(from, to int64) bool {
	for _, r := range rr.reads {
		if r[0] < to && r[1] > from {
			return true
		}
	}
	return false
}

// TestReadsOnlyNeededChunks: tipster's TOC and package attributes lie in
// its last heap chunk, so opening it and walking the TOC must not read the
// first two chunks; reading apps/Tipster (heap offset 31) must.
func TestReadsOnlyNeededChunks(t *testing.T) {
	raw := fixtureBytes(t, "tipster-1.1.1-1-x86_64.hpkg")
	rr := &recordingReader{r: bytes.NewReader(raw)}
	p, err := Open(rr, int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	firstTwo := [2]int64{HeaderSize, p.heap.offsets[2]}
	if _, err := p.Entries(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadFile("data/Tipster/tips-en.txt", 0); err != nil {
		t.Fatal(err)
	}
	if rr.touched(firstTwo[0], firstTwo[1]) {
		t.Errorf("reading the package info, TOC and a file in the last chunk read the first chunks: %v", rr.reads)
	}
	if _, err := p.ReadFile("apps/Tipster", 0); err != nil {
		t.Fatal(err)
	}
	if !rr.touched(firstTwo[0], firstTwo[1]) {
		t.Error("reading apps/Tipster did not read the first chunks")
	}
}
