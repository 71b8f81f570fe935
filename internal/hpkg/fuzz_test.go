package hpkg

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

func FuzzReadHPKG(f *testing.F) {
	for _, name := range hpkgFixtures {
		f.Add(fixtureBytes(f, name))
	}
	info := &pkginfo.PackageInfo{Name: "f", Version: pkginfo.Version{Major: "1"}, Provides: []pkginfo.Resolvable{{Name: "f"}}}
	for _, comp := range []Compression{CompressionNone, CompressionZstd} {
		var b bytes.Buffer
		tree := []*Entry{{Name: "d", Type: FileDirectory, Children: []*Entry{fileEntry("x", []byte("0123456789abc"), 0o600,
			Xattr{Name: "a", Type: 1, Value: []byte("0123456789")})}}, {Name: "l", Type: FileSymlink, LinkTarget: "d/x"}}
		if err := WritePackage(&b, info, tree, WriteOptions{Compression: comp, PackageInfoText: []byte("name f")}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		readEverything(b)
	})
}

// FuzzHeapAttributes feeds a heap described by the input's first 14 bytes
// (compression, uncompressed size, string table length and count) to
// NewHeapReader, decodes the uncompressed heap as an attribute section, and
// checks that what decodes re-encodes to the same tree.
func FuzzHeapAttributes(f *testing.F) {
	seed := func(comp Compression, nodes []Node) {
		sec, sl, sc, err := EncodeSection(nodes)
		if err != nil {
			f.Fatal(err)
		}
		var heap bytes.Buffer
		hw, _ := NewHeapWriter(&heap, comp, 0)
		hw.Write(sec)
		_, u, _ := hw.Close()
		hdr := make([]byte, 14)
		hdr[0] = byte(comp)
		binary.BigEndian.PutUint32(hdr[1:], uint32(u))
		binary.BigEndian.PutUint32(hdr[5:], uint32(sl))
		binary.BigEndian.PutUint32(hdr[9:], uint32(sc))
		hdr[13] = 0
		f.Add(append(hdr, heap.Bytes()...))
	}
	seed(CompressionNone, PackageInfoNodes(fullInfo()))
	seed(CompressionZlib, PackageInfoNodes(fullInfo()))
	seed(CompressionZstd, PackageInfoNodes(fullInfo()))
	big := make([]Node, 0, 2000)
	for i := range 2000 {
		big = append(big, StringNode(AttrDirEntry, "same", HeapNode(AttrData, uint64(i), 9), RawNode(AttrData, []byte{byte(i)})))
	}
	seed(CompressionZlib, big)

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 14 {
			return
		}
		p := HeapParams{Offset: 14, Compression: Compression(b[0]), ChunkSize: ChunkSize,
			CompressedSize: uint64(len(b) - 14), UncompressedSize: uint64(binary.BigEndian.Uint32(b[1:]))}
		if p.UncompressedSize > 4<<20 {
			return
		}
		hr, err := NewHeapReader(bytes.NewReader(b), int64(len(b)), p)
		if err != nil {
			return
		}
		defer hr.Close()
		sec, err := ReadSection(hr, 0, p.UncompressedSize, "fuzz")
		if err != nil {
			return
		}
		sl, sc := uint64(binary.BigEndian.Uint32(b[5:])), uint64(binary.BigEndian.Uint32(b[9:]))
		if d, err := NewDecoder(sec, sl, sc, "fuzz"); err == nil {
			ReadPackageInfo(d)
		}
		d, err := NewDecoder(sec, sl, sc, "fuzz")
		if err != nil {
			return
		}
		tree, err := d.ReadTree()
		if err != nil {
			return
		}
		enc, el, ec, err := EncodeSection(tree)
		if err != nil {
			t.Fatalf("re-encoding a decoded tree: %v", err)
		}
		d2, err := NewDecoder(enc, el, ec, "re-encoded")
		if err != nil {
			t.Fatal(err)
		}
		tree2, err := d2.ReadTree()
		if err != nil {
			t.Fatal(err)
		}
		clearHasChildren(tree)
		clearHasChildren(tree2)
		if !reflect.DeepEqual(normalize(tree), normalize(tree2)) {
			t.Fatalf("re-encoded tree differs")
		}
	})
}

// clearHasChildren drops the flag the decoder sets from the tag: an empty
// child list decodes with the flag but re-encodes without it.
func clearHasChildren(ns []Node) {
	for i := range ns {
		ns[i].HasChildren = false
		clearHasChildren(ns[i].Children)
	}
}

// normalize maps nil and empty slices to nil so DeepEqual compares meaning.
func normalize(ns []Node) []Node {
	if len(ns) == 0 {
		return nil
	}
	for i := range ns {
		if len(ns[i].Data) == 0 {
			ns[i].Data = nil
		}
		ns[i].Children = normalize(ns[i].Children)
	}
	return ns
}
