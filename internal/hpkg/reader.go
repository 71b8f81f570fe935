package hpkg

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// MaxAttributesSection is the largest package-attributes section Open
// accepts. The largest real package, texlive_latexextra with 1,651
// provides, needs well under 100 KiB; TOCs may use MaxSectionSize.
const MaxAttributesSection = 16 << 20

// Package is an opened HPKG v2 file. Open reads the header and the package
// attributes; the TOC is read on first use (Entries, Walk, Lookup, ...).
// A Package is safe for concurrent use.
type Package struct {
	Header Header
	Info   pkginfo.PackageInfo

	r      io.ReaderAt
	size   int64
	heap   *HeapReader
	closer io.Closer

	tocLimit int // MaxTOCItems when 0 (tests lower it)
	tocOnce  sync.Once
	toc      []*Entry
	tocErr   error
}

// Open reads the package file of size bytes read through r: header, heap
// layout and package attributes. It accepts minor versions above
// MinorVersion and skips unknown attributes; it rejects other versions
// (ErrVersion) and other magics (ErrMagic).
func Open(r io.ReaderAt, size int64) (*Package, error) {
	var hb [HeaderSize]byte
	n, err := r.ReadAt(hb[:min(int64(HeaderSize), max(size, 0))], 0)
	if n < 8 {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("%w: package header at offset 0: file is %d bytes, too short for a package", ErrFormat, size)
		}
		return nil, fmt.Errorf("hpkg: reading header: %w", err)
	}
	h, err := parseHeader(hb[:n], size)
	if err != nil {
		return nil, err
	}
	heap, err := NewHeapReader(r, size, h.heapParams())
	if err != nil {
		return nil, err
	}
	p := &Package{Header: h, r: r, size: size, heap: heap}
	const where = "package attributes"
	if h.AttributesLength > MaxAttributesSection {
		heap.Close()
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the maximum %d", ErrLimit, where, h.AttributesLength, MaxAttributesSection)
	}
	sec, err := readSectionString(heap, h.AttributesOffset(), uint64(h.AttributesLength), where)
	if err != nil {
		return nil, err
	}
	d, err := newDecoderString(sec, uint64(h.AttributesStringsLength), uint64(h.AttributesStringsCount), where)
	if err != nil {
		return nil, err
	}
	if p.Info, err = ReadPackageInfo(d); err != nil {
		return nil, err
	}
	return p, nil
}

// OpenFile opens the package file name; Close closes it.
func OpenFile(name string) (*Package, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	p, err := Open(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.closer = f
	return p, nil
}

// Close releases the package (and closes the file if OpenFile opened it).
func (p *Package) Close() error {
	p.heap.Close()
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

// Heap returns the package's heap.
func (p *Package) Heap() *HeapReader { return p.heap }

// Size returns the file size.
func (p *Package) Size() int64 { return p.size }

// ReadTOCTree returns the TOC as a generic attribute tree (for dumps).
func (p *Package) ReadTOCTree() ([]Node, error) {
	d, err := p.tocDecoder()
	if err != nil {
		return nil, err
	}
	return d.ReadTree()
}

// ReadAttributesTree returns the package-attributes section as a generic
// attribute tree (for dumps).
func (p *Package) ReadAttributesTree() ([]Node, error) {
	const where = "package attributes"
	h := &p.Header
	sec, err := readSectionString(p.heap, h.AttributesOffset(), uint64(h.AttributesLength), where)
	if err != nil {
		return nil, err
	}
	d, err := newDecoderString(sec, uint64(h.AttributesStringsLength), uint64(h.AttributesStringsCount), where)
	if err != nil {
		return nil, err
	}
	return d.ReadTree()
}

func (p *Package) tocDecoder() (*Decoder, error) {
	const where = "TOC"
	h := &p.Header
	sec, err := readSectionString(p.heap, h.TOCOffset(), h.TOCLength, where)
	if err != nil {
		return nil, err
	}
	d, err := newDecoderString(sec, h.TOCStringsLength, h.TOCStringsCount, where)
	if err != nil {
		return nil, err
	}
	d.CheckData, d.DataLimit = true, h.TOCOffset()
	return d, nil
}
