package hpkg

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// FileType is an entry's file:type.
type FileType uint8

// File types.
const (
	FileRegular   FileType = 0
	FileDirectory FileType = 1
	FileSymlink   FileType = 2
)

// String returns "file", "dir" or "symlink".
func (t FileType) String() string {
	switch t {
	case FileRegular:
		return "file"
	case FileDirectory:
		return "dir"
	case FileSymlink:
		return "symlink"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// DefaultPerm returns the permissions Haiku assumes when file:permissions is
// absent: 0644 for files, 0755 for directories, 0777 for symlinks.
func (t FileType) DefaultPerm() uint32 {
	switch t {
	case FileDirectory:
		return 0o755
	case FileSymlink:
		return 0o777
	}
	return 0o644
}

// DataRef says where data (file contents or an attribute value) is stored
// in a package: inline in the TOC, or Size bytes at Offset of the
// uncompressed heap.
type DataRef struct {
	Inline []byte
	InHeap bool
	Offset uint64
	Size   uint64
}

// Xattr is an extended attribute (file:attribute) of an entry.
//
// For writing, the value is Value or, when Value is nil and Open is set,
// what Open returns. A package read by Open sets Data (where the value is
// stored) and Open; Value only for values stored inline (at most
// MaxInlineData bytes). Values in the heap are read only when asked for
// (Open, Package.XattrValue), so walking the TOC does not decompress the
// whole heap.
type Xattr struct {
	Name  string
	Type  uint32 // type code, e.g. 'MIMS' = 0x4d494d53
	Value []byte
	Data  DataRef
	Open  func() (io.ReadCloser, error)
}

// Size returns the length of the value.
func (x *Xattr) Size() int64 {
	if x.Value != nil || x.Open == nil {
		return int64(len(x.Value))
	}
	return int64(x.Data.Size)
}

// Entry is a file, directory or symlink of a package's file tree.
type Entry struct {
	Name       string
	Type       FileType
	Perm       uint32 // permission bits; the type's DefaultPerm when not stored
	User       string
	Group      string
	ATime      time.Time // zero when not stored
	MTime      time.Time
	CrTime     time.Time
	LinkTarget string // symlink:path
	Xattrs     []Xattr
	Children   []*Entry // directories only

	// Size is a regular file's size.
	Size int64
	// Data is where a package read by Open stores the contents.
	Data DataRef
	// Open returns the contents (Size bytes) of a regular file. The reader
	// sets it to read from the package; the writer calls it (nil means an
	// empty file).
	Open func() (io.ReadCloser, error)
}

// Entries returns the top-level entries of the package's file tree, reading
// the TOC on first use.
func (p *Package) Entries() ([]*Entry, error) {
	p.tocOnce.Do(func() { p.toc, p.tocErr = p.readTOC() })
	return p.toc, p.tocErr
}

// Walk calls fn for every entry in TOC order (a directory before its
// children), with its slash-separated path.
func (p *Package) Walk(fn func(path string, e *Entry) error) error {
	es, err := p.Entries()
	if err != nil {
		return err
	}
	return walk("", es, fn)
}

func walk(dir string, es []*Entry, fn func(string, *Entry) error) error {
	for _, e := range es {
		p := e.Name
		if dir != "" {
			p = dir + "/" + e.Name
		}
		if err := fn(p, e); err != nil {
			return err
		}
		if err := walk(p, e.Children, fn); err != nil {
			return err
		}
	}
	return nil
}

// Lookup returns the entry at the slash-separated path name (e.g.
// "data/licenses/MIT"); symlinks are not followed.
func (p *Package) Lookup(name string) (*Entry, error) {
	es, err := p.Entries()
	if err != nil {
		return nil, err
	}
	clean := path.Clean("/" + name)[1:]
	if clean == "" {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	var e *Entry
	for part := range strings.SplitSeq(clean, "/") {
		var next *Entry
		for _, c := range es {
			if c.Name == part {
				next = c
				break
			}
		}
		if next == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		e, es = next, next.Children
	}
	return e, nil
}

// OpenData returns a reader for data stored at ref.
func (p *Package) OpenData(ref DataRef) io.Reader {
	if !ref.InHeap {
		return strings.NewReader(string(ref.Inline))
	}
	return io.NewSectionReader(p.heap, int64(ref.Offset), int64(ref.Size))
}

// ReadFile returns the contents of the regular file at name, if it is at
// most max bytes (max <= 0: no limit).
func (p *Package) ReadFile(name string, max int64) ([]byte, error) {
	e, err := p.Lookup(name)
	if err != nil {
		return nil, err
	}
	if e.Type != FileRegular {
		return nil, fmt.Errorf("hpkg: %s is a %s, not a file", name, e.Type)
	}
	if max > 0 && e.Size > max {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrLimit, name, e.Size, max)
	}
	b, err := io.ReadAll(p.OpenData(e.Data))
	if err != nil {
		return nil, fmt.Errorf("hpkg: reading %s: %w", name, err)
	}
	if int64(len(b)) != e.Size {
		return nil, fmt.Errorf("%w: reading %s: got %d of %d bytes", ErrFormat, name, len(b), e.Size)
	}
	return b, nil
}

// XattrValue returns the value of x (read from the heap if needed), if it
// is at most max bytes (max <= 0: no limit).
func (p *Package) XattrValue(x *Xattr, max int64) ([]byte, error) {
	if !x.Data.InHeap {
		return x.Data.Inline, nil
	}
	if max > 0 && int64(x.Data.Size) > max {
		return nil, fmt.Errorf("%w: attribute %s is %d bytes, more than %d", ErrLimit, x.Name, x.Data.Size, max)
	}
	return ReadSection(p.heap, x.Data.Offset, x.Data.Size, fmt.Sprintf("attribute %q", x.Name))
}

// FileMode returns e's type and permissions as an fs.FileMode.
func (e *Entry) FileMode() fs.FileMode {
	m := fs.FileMode(e.Perm & 0o7777 & uint32(fs.ModePerm))
	switch e.Type {
	case FileDirectory:
		m |= fs.ModeDir
	case FileSymlink:
		m |= fs.ModeSymlink
	}
	return m
}
