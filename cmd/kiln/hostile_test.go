package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/testenv"
)

// Hostile package and repository files (issue 7, "parser memory bombs"):
// each command ends in a clear error, the process stays alive and the
// memory it allocates is bounded.

// hostileHeap compresses data into an HPKG/HPKR heap.
func hostileHeap(t *testing.T, comp hpkg.Compression, data ...[]byte) (heap []byte, c, u uint64) {
	t.Helper()
	var b bytes.Buffer
	hw, err := hpkg.NewHeapWriter(&b, comp, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range data {
		hw.Write(d)
	}
	if c, u, err = hw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), c, u
}

// hostileRepo builds a repository file: info message, then a packages
// section with no string table.
func hostileRepo(t *testing.T, comp hpkg.Compression, info, packages []byte) []byte {
	heap, c, u := hostileHeap(t, comp, info, packages)
	be := binary.BigEndian
	h := append([]byte(hpkg.RepoMagic), 0, hpkg.RepoHeaderSize, 0, hpkg.RepoVersion)
	h = be.AppendUint64(h, uint64(hpkg.RepoHeaderSize)+c)
	h = be.AppendUint16(h, hpkg.RepoMinorVersion)
	h = be.AppendUint16(h, uint16(comp))
	h = be.AppendUint32(h, hpkg.ChunkSize)
	h = be.AppendUint64(h, c)
	h = be.AppendUint64(h, u)
	h = be.AppendUint32(h, uint32(len(info)))
	h = be.AppendUint32(h, 0)
	h = be.AppendUint64(h, uint64(len(packages)))
	h = be.AppendUint64(h, 0) // strings length
	h = be.AppendUint64(h, 0) // strings count
	return append(h, heap...)
}

// zeroItemsInfo is a repository-info BMessage with one fixed-size field of
// 2^32−1 items and no data.
func zeroItemsInfo() []byte {
	le := binary.LittleEndian
	b := make([]byte, 68+24+2)
	le.PutUint32(b, 0x31464d48)
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[36:], 2)
	le.PutUint32(b[40:], 1)
	le.PutUint32(b[44:], 5)
	for i := range 5 {
		le.PutUint32(b[48+4*i:], 0xffffffff)
	}
	le.PutUint16(b[68:], 3)
	le.PutUint16(b[70:], 2)
	le.PutUint32(b[72:], 0x55425954)
	le.PutUint32(b[76:], 0xffffffff)
	le.PutUint32(b[88:], 0xffffffff)
	copy(b[92:], "x\x00")
	return b
}

// tag is an attribute tag (FORMATS.md §1.4).
func tag(id hpkg.AttrID, typ hpkg.AttrType, enc uint64, kids bool) []byte {
	v := enc<<11 | uint64(typ)<<7 | uint64(id)
	if kids {
		v |= 1 << 10
	}
	v++
	return []byte{byte(v) | 0x80, byte(v >> 7)} // every tag takes two bytes
}

// hostilePackage builds a package whose attributes are n provides "x".
func hostilePackage(t *testing.T, comp hpkg.Compression, n int) []byte {
	attrs := []byte("x\x00\x00")
	attrs = append(attrs, bytes.Repeat(append(tag(hpkg.AttrPackageProvides, hpkg.TypeString, 1, false), 0), n)...)
	attrs = append(attrs, 0)
	toc := []byte{0}
	heap, c, u := hostileHeap(t, comp, toc, attrs)
	be := binary.BigEndian
	h := append([]byte(hpkg.Magic), 0, hpkg.HeaderSize, 0, hpkg.Version)
	h = be.AppendUint64(h, uint64(hpkg.HeaderSize)+c)
	h = be.AppendUint16(h, hpkg.MinorVersion)
	h = be.AppendUint16(h, uint16(comp))
	h = be.AppendUint32(h, hpkg.ChunkSize)
	h = be.AppendUint64(h, c)
	h = be.AppendUint64(h, u)
	h = be.AppendUint32(h, uint32(len(attrs)))
	h = be.AppendUint32(h, 3) // strings length
	h = be.AppendUint32(h, 1) // strings count
	h = be.AppendUint32(h, 0)
	h = be.AppendUint64(h, uint64(len(toc)))
	h = be.AppendUint64(h, 0)
	h = be.AppendUint64(h, 0)
	return append(h, heap...)
}

func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(b))
		return p
	}
	emptyPkg := append(tag(hpkg.AttrPackage, hpkg.TypeString, 0, true), 0, 0)
	bmsg := write("bmessage.hpkr", hostileRepo(t, hpkg.CompressionZlib, zeroItemsInfo(), []byte{0}))
	raw, err := os.ReadFile(testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := hpkg.ReadRepository(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	info := fixture.InfoMessage
	emptyZlib := write("empty-zlib.hpkr", hostileRepo(t, hpkg.CompressionZlib, info, append(bytes.Repeat(emptyPkg, 6<<20), 0)))
	provZlib := write("provides-zlib.hpkg", hostilePackage(t, hpkg.CompressionZlib, 5<<20))
	provZstd := write("provides-zstd.hpkg", hostilePackage(t, hpkg.CompressionZstd, 5<<20))
	sys := testenv.Fixture(t, "system-packages/x86_64")
	importDir := filepath.Join(dir, "import")
	os.Mkdir(importDir, 0o755)
	if err := os.WriteFile(filepath.Join(importDir, "repo"), hostileRepo(t, hpkg.CompressionZlib, zeroItemsInfo(), []byte{0}), 0o644); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"repo", "inspect", bmsg}, "do not fit"},
		{[]string{"plan", "check", "--repo", bmsg, "--system-packages", sys}, "do not fit"},
		{[]string{"repo", "inspect", emptyZlib}, "more than 65536 packages"},
		{[]string{"plan", "check", "--repo", emptyZlib, "--system-packages", sys}, "more than 65536 packages"},
		{[]string{"repo", "import", "--store", filepath.Join(dir, "store2"), "--target", "master/x86_gcc2", importDir}, "do not fit"},
		{[]string{"hpkg", "info", provZlib}, "package has more than 65536 attributes"},
		{[]string{"hpkg", "info", provZstd}, "package has more than 65536 attributes"},
		{[]string{"hpkg", "verify", provZstd}, "package has more than 65536 attributes"},
		{[]string{"repo", "publish", "--store", st, "--target", "master/x86_gcc2", "--info", testenv.Fixture(t, "repo-info/sample-repo.info"), provZlib}, "package has more than 65536 attributes"},
		// The lease was released: the next command that takes it does not wait.
		{[]string{"repo", "publish", "--store", st, "--target", "master/x86_gcc2", "--lease-wait", "1s", "--info", testenv.Fixture(t, "repo-info/sample-repo.info"), provZstd}, "package has more than 65536 attributes"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		out, _, err := runKiln(t, tc.args...)
		runtime.ReadMemStats(&after)
		name := strings.Join(tc.args[:2], " ")
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%s %s: %v, want an error mentioning %q", name, filepath.Base(tc.args[len(tc.args)-1]), err, tc.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 512<<20 {
			t.Errorf("%s: allocated %d MiB", name, grew>>20)
		}
	}
}
