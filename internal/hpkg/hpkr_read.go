package hpkg

import (
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Repository limits. They are far above any real repository, and bound
// the memory a small, highly compressed file can make ReadRepository use
// (about 300 MiB at worst: the heap, the packages and their lists).
//
//   - MaxRepositoryHeap is the largest uncompressed heap. The 2013 fixture
//     uses 558 bytes per package, so all of HaikuPorts' 6,552 x86_64
//     packages take about 4 MiB. Memory grows only with the bytes that
//     really decompress (ReadSection), never with a size claimed by the
//     header.
//   - MaxRepositoryPackages is the most packages (HaikuPorts: 6,552); each
//     costs 592 bytes.
//   - MaxRepositoryAttributes is the most top-level package attributes of
//     all packages together (HaikuPorts' 6,552 packages have 61,740
//     provides and requires, plus about 15 other attributes each); each
//     costs at most 160 bytes. One package may have MaxPackageAttributes.
const (
	MaxRepositoryHeap       = 64 << 20
	MaxRepositoryPackages   = 1 << 16
	MaxRepositoryAttributes = 1 << 20
)

// Repository is the content of a repository (HPKR) file.
type Repository struct {
	Header RepoHeader
	Info   pkginfo.RepositoryInfo
	// InfoMessage is the repository info as stored: a flattened BMessage
	// (see package bmessage).
	InfoMessage []byte
	// Packages in file order, each with its Checksum.
	Packages []pkginfo.PackageInfo
}

// ReadRepository reads a whole repository file of size bytes from r: the
// header (FORMATS.md §2.1), the repository info and every package's
// attributes. Malformed input gives an error wrapping ErrMagic, ErrVersion,
// ErrFormat or ErrLimit that says what and where; it never panics.
// Top-level attributes other than "package" are skipped, as are unknown
// package attributes.
func ReadRepository(r io.ReaderAt, size int64) (*Repository, error) {
	if size < RepoHeaderSize {
		return nil, formatError("repository header", "file has %d bytes, the header needs %d", size, RepoHeaderSize)
	}
	var hb [RepoHeaderSize]byte
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("%w: repository header: %v", ErrFormat, err)
	}
	h, err := parseRepoHeader(hb[:], size)
	if err != nil {
		return nil, err
	}
	if h.HeapUncompressedSize > MaxRepositoryHeap {
		return nil, fmt.Errorf("%w: repository heap of %d bytes exceeds %d", ErrLimit, h.HeapUncompressedSize, MaxRepositoryHeap)
	}
	heap, err := NewHeapReader(r, size, HeapParams{
		Offset:           RepoHeaderSize,
		Compression:      h.Compression,
		ChunkSize:        h.ChunkSize,
		CompressedSize:   h.HeapCompressedSize,
		UncompressedSize: h.HeapUncompressedSize,
	})
	if err != nil {
		return nil, err
	}
	defer heap.Close()
	data, err := readSectionString(heap, 0, h.HeapUncompressedSize, "repository heap")
	if err != nil {
		return nil, err
	}
	repo := &Repository{Header: h, InfoMessage: make([]byte, h.InfoLength)}
	copy(repo.InfoMessage, data)
	if repo.Info, err = parseRepoInfo(repo.InfoMessage); err != nil {
		return nil, err
	}
	repo.Packages, err = readRepoPackages(data[h.InfoLength:], h.PackagesStringsLength, h.PackagesStringsCount)
	if err != nil {
		return nil, err
	}
	return repo, nil
}

// readRepoPackages decodes the packages section: one AttrPackage attribute
// per package whose value is the name and whose children are the package
// attributes.
func readRepoPackages(section string, strLen, strCount uint64) ([]pkginfo.PackageInfo, error) {
	const where = "repository packages"
	d, err := newDecoderString(section, strLen, strCount, where)
	if err != nil {
		return nil, err
	}
	// Real repositories use 250–600 bytes a package: size the slice from
	// the section once instead of growing it (bounded by the input size
	// and a cap).
	pkgs := make([]pkginfo.PackageInfo, 0, min(len(section)/256+1, 1<<14))
	pr := pkgReader{maxTotal: MaxRepositoryAttributes}
	for {
		off := d.Offset()
		a, ok, err := d.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if a.ID != AttrPackage {
			if err := d.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		index := len(pkgs)
		if index == MaxRepositoryPackages {
			return nil, fmt.Errorf("%w: %s at offset %d: more than %d packages", ErrLimit, where, off, MaxRepositoryPackages)
		}
		at := func() string { return fmt.Sprintf("%s: package %d (%q) at offset %d", where, index, a.Str, off) }
		if a.Type != TypeString {
			return nil, formatError(at(), "package attribute has type %s, want STRING", a.Type)
		}
		if !a.HasChildren {
			return nil, formatError(at(), "package has no attributes")
		}
		pkgs = append(pkgs, pkginfo.PackageInfo{})
		p := &pkgs[len(pkgs)-1]
		if err := pr.read(d, p); err != nil {
			return nil, fmt.Errorf("%s: %w", at(), err)
		}
		if p.Name == "" {
			p.Name = a.Str
		} else if p.Name != a.Str {
			return nil, formatError(at(), "package:name is %q", p.Name)
		}
	}
	if d.Offset() != len(section) {
		return nil, formatError(where, "%d bytes after the end of the attribute list", len(section)-d.Offset())
	}
	return pkgs, nil
}
