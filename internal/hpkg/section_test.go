package hpkg

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestReadSectionString(t *testing.T) {
	data := make([]byte, 3<<20+77)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	src := bytes.NewReader(data)
	for _, c := range []struct{ off, length uint64 }{
		{0, 0}, {5, 1}, {0, 64 << 10}, {3, 64<<10 + 1}, {0, 1 << 20}, {1, 1<<20 + 1}, {100, 2<<20 + 12345}, {0, uint64(len(data))},
	} {
		want, werr := ReadSection(src, c.off, c.length, "test")
		got, err := readSectionString(src, c.off, c.length, "test")
		if werr != nil || err != nil {
			t.Fatalf("%+v: %v, %v", c, werr, err)
		}
		if got != string(want) {
			t.Fatalf("%+v: got %d bytes, want %d", c, len(got), len(want))
		}
	}
	// Short input, lying lengths, limits: the same errors as ReadSection.
	for _, c := range []struct{ off, length uint64 }{
		{uint64(len(data)) - 10, 11}, {0, uint64(len(data)) + 1}, {1 << 20, 200 << 20}, {0, MaxSectionSize + 1}, {1<<64 - 2, 5},
	} {
		_, werr := ReadSection(src, c.off, c.length, "test")
		_, err := readSectionString(src, c.off, c.length, "test")
		if werr == nil || err == nil || err.Error() != werr.Error() {
			t.Fatalf("%+v: error %v, want %v", c, err, werr)
		}
	}
}

// A section claiming 200 MiB of which 100 bytes exist costs about one
// block, not the claimed size.
func TestReadSectionStringLyingLength(t *testing.T) {
	src := bytes.NewReader(make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := readSectionString(src, 0, 200<<20, "test"); err == nil {
		t.Fatal("no error")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 2<<20 {
		t.Fatalf("allocated %d bytes", d)
	}
}
