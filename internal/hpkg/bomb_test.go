package hpkg

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Allocation bombs: small, highly compressed files whose sections hold
// millions of tiny attributes. Each must end in ErrLimit with the process
// alive and a bounded amount of memory allocated (the limits of
// MaxPackageAttributes, MaxRepositoryPackages, MaxRepositoryAttributes,
// MaxStrings and MaxAttributesSection).

// bombTag returns the tag of an attribute with the given id, type,
// encoding and children flag.
func bombTag(id AttrID, typ AttrType, enc uint64, kids bool) []byte {
	v := enc<<11 | uint64(typ)<<7 | uint64(id)
	if kids {
		v |= 1 << 10
	}
	return appendUvarint(nil, v+1)
}

// repeatSection returns a string table of strs, n copies of item, and the
// list's terminating 0.
func repeatSection(strs []string, item []byte, n int) (sec []byte, strLen, strCount uint64) {
	for _, s := range strs {
		sec = append(append(sec, s...), 0)
	}
	if len(strs) > 0 {
		sec = append(sec, 0)
	}
	strLen = uint64(len(sec))
	sec = append(sec, bytes.Repeat(item, n)...)
	return append(sec, 0), strLen, uint64(len(strs))
}

// buildPackage assembles an HPKG file from raw sections: a heap holding an
// empty TOC and the attributes section attrs.
func buildPackage(t testing.TB, comp Compression, attrs []byte, strLen, strCount uint64) []byte {
	t.Helper()
	var heap bytes.Buffer
	hw, err := NewHeapWriter(&heap, comp, 0)
	if err != nil {
		t.Fatal(err)
	}
	toc := []byte{0}
	hw.Write(toc)
	hw.Write(attrs)
	c, u, err := hw.Close()
	if err != nil {
		t.Fatal(err)
	}
	h := Header{HeaderSize: HeaderSize, Version: Version, TotalSize: HeaderSize + c, MinorVersion: MinorVersion,
		Compression: comp, ChunkSize: ChunkSize, HeapCompressedSize: c, HeapUncompressedSize: u,
		AttributesLength: uint32(len(attrs)), AttributesStringsLength: uint32(strLen), AttributesStringsCount: uint32(strCount),
		TOCLength: uint64(len(toc))}
	return append(appendHeader(nil, &h), heap.Bytes()...)
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestPackageAttributeBombs(t *testing.T) {
	provides := append(bombTag(AttrPackageProvides, TypeString, encStringTable, false), 0)
	if len(provides) != 3 {
		t.Fatalf("provides entry is %d bytes", len(provides))
	}
	for _, tc := range []struct {
		name string
		comp Compression
		n    int // 3-byte provides
		want string
	}{
		{"zlib provides", CompressionZlib, 5 << 20, "package has more than 65536 attributes"},
		{"zstd provides", CompressionZstd, 5 << 20, "package has more than 65536 attributes"},
		{"zstd section", CompressionZstd, 6 << 20, "more than the maximum 16777216"},
		{"zstd strings", CompressionZstd, -1, "string table of 4194304 strings"},
	} {
		var attrs []byte
		var sl, sc uint64
		if tc.n >= 0 {
			attrs, sl, sc = repeatSection([]string{"x"}, provides, tc.n)
		} else {
			// 4 Mi empty strings, the table's final 0, an empty list.
			attrs, sl, sc = make([]byte, 4<<20+2), 4<<20+1, 4<<20
		}
		tc := struct {
			name   string
			comp   Compression
			attrs  []byte
			sl, sc uint64
			want   string
		}{tc.name, tc.comp, attrs, sl, sc, tc.want}
		t.Run(tc.name, func(t *testing.T) {
			in := buildPackage(t, tc.comp, tc.attrs, tc.sl, tc.sc)
			t.Logf("%d-byte %s package, %d-byte attributes section", len(in), tc.comp, len(tc.attrs))
			var err error
			grew := allocated(func() { _, err = Open(bytes.NewReader(in), int64(len(in))) })
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrLimit mentioning %q", err, tc.want)
			}
			// The section itself, read once into blocks and once into a
			// string, plus the lists up to the limit: about 100 MiB.
			if limit := uint64(256 << 20); grew > limit {
				t.Errorf("allocated %d MiB, want at most %d MiB", grew>>20, limit>>20)
			}
		})
	}
}

func TestRepositoryBombs(t *testing.T) {
	raw, _ := uncompressedFixture(t)
	repo, err := readRepoBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	info := repo.InfoMessage
	// An empty package: AttrPackage "" (inline) with an empty child list.
	empty := append(bombTag(AttrPackage, TypeString, encStringInline, true), 0, 0)
	// A package "p" with 20 provides "x".
	var many []byte
	many = append(many, bombTag(AttrPackage, TypeString, encStringTable, true)...)
	many = append(many, 0)
	for range 20 {
		many = append(append(many, bombTag(AttrPackageProvides, TypeString, encStringTable, false)...), 1)
	}
	many = append(many, 0)
	for _, tc := range []struct {
		name string
		comp Compression
		strs []string
		item []byte
		n    int
		want string
	}{
		{"zlib empty packages", CompressionZlib, nil, empty, 6 << 20, "more than 65536 packages"},
		{"zstd empty packages", CompressionZstd, nil, empty, 12 << 20, "more than 65536 packages"},
		{"zstd heap", CompressionZstd, nil, empty, 16 << 20, "repository heap of 67109326 bytes exceeds 67108864"},
		{"zlib provides", CompressionZlib, []string{"p", "x"}, many, 60000, "more than 1048576 attributes in all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, sl, sc := repeatSection(tc.strs, tc.item, tc.n)
			in := buildRepo(t, tc.comp, info, sec, sl, sc)
			t.Logf("%d-byte %s repository, %d-byte packages section", len(in), tc.comp, len(sec))
			var err error
			grew := allocated(func() { _, err = ReadRepository(bytes.NewReader(in), int64(len(in))) })
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrLimit mentioning %q", err, tc.want)
			}
			if limit := uint64(512 << 20); grew > limit {
				t.Errorf("allocated %d MiB, want at most %d MiB", grew>>20, limit>>20)
			}
		})
	}
}

// TestTOCBomb: a zstd TOC of 2^20+1 minimal entries (4 bytes each) is
// refused by the TOC reader and by Validate at MaxTOCItems, within a
// bounded allocation.
func TestTOCBomb(t *testing.T) {
	entry := append(bombTag(AttrDirEntry, TypeString, encStringInline, false), 'a', 0)
	toc, _, _ := repeatSection(nil, entry, MaxTOCItems+1)
	attrs := []byte{0}
	var heap bytes.Buffer
	hw, err := NewHeapWriter(&heap, CompressionZstd, 0)
	if err != nil {
		t.Fatal(err)
	}
	hw.Write(toc)
	hw.Write(attrs)
	c, u, err := hw.Close()
	if err != nil {
		t.Fatal(err)
	}
	h := Header{HeaderSize: HeaderSize, Version: Version, TotalSize: HeaderSize + c, MinorVersion: MinorVersion,
		Compression: CompressionZstd, ChunkSize: ChunkSize, HeapCompressedSize: c, HeapUncompressedSize: u,
		AttributesLength: uint32(len(attrs)), TOCLength: uint64(len(toc))}
	in := append(appendHeader(nil, &h), heap.Bytes()...)
	t.Logf("%d-byte package, %d-byte TOC", len(in), len(toc))
	const want = "more than 1048576 entries and attributes"
	limits := map[string]uint64{"Entries": 768 << 20, "Validate": 128 << 20}
	for name, fn := range map[string]func() error{
		"Entries": func() error {
			p, err := Open(bytes.NewReader(in), int64(len(in)))
			if err != nil {
				return err
			}
			_, err = p.Entries()
			return err
		},
		"Validate": func() error { _, err := Validate(bytes.NewReader(in)); return err },
	} {
		var err error
		var peak uint64
		grew := allocated(func() { peak = peakHeapInuse(func() { err = fn() }) })
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrLimit mentioning %q", name, err, want)
		}
		// Entries keeps the tree until it fails; Validate keeps none.
		t.Logf("%s: allocated %d MiB, peak heap in use %d MiB", name, grew>>20, peak>>20)
		if peak > limits[name] {
			t.Errorf("%s: peak heap in use %d MiB, want at most %d MiB", name, peak>>20, limits[name]>>20)
		}
	}
}

// peakHeapInuse runs fn and returns the largest HeapInuse seen meanwhile
// (sampled every 5 ms, and at the end).
func peakHeapInuse(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				sample()
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	sample()
	return peak
}
