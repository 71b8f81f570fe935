package hpkg

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// PackageInfoFile is the name of the package-info file in a package root.
const PackageInfoFile = ".PackageInfo"

// WriteOptions configure WritePackage.
type WriteOptions struct {
	// Compression of the heap: CompressionZlib (Haiku's default),
	// CompressionZstd or CompressionNone.
	Compression Compression
	// Level is the compression level (see NewHeapWriter); 0 = default.
	Level int
	// PackageInfoText is the .PackageInfo file written into the package
	// root when the entries have none; nil means info formatted with
	// pkginfo.WritePackageInfo.
	PackageInfoText []byte
	// MinorVersion written to the header; 0 means MinorVersion.
	MinorVersion uint16
	// PackageInfoTime is the time given to an added .PackageInfo file;
	// zero means the newest modification time in the tree (so equal
	// inputs give equal packages), or no times for an empty tree.
	PackageInfoTime time.Time
}

// WritePackage writes an HPKG v2 package holding info and the file tree
// root to w. Regular files' contents come from Entry.Open (Size bytes;
// nil Open means empty) and are streamed into the heap in TOC-walk order
// (each entry's data, then its attributes' data, then its children), followed
// by the TOC and the package-attributes section, as Haiku's writer does. If
// root has no .PackageInfo file, one is added at the end of the root.
//
// When w is an io.WriteSeeker that can seek, the heap goes straight to w and
// the header is written last; otherwise the compressed heap is buffered in
// memory.
func WritePackage(w io.Writer, info *pkginfo.PackageInfo, root []*Entry, opts WriteOptions) error {
	if err := checkEntries("", root); err != nil {
		return err
	}
	hasInfo := false
	for _, e := range root {
		hasInfo = hasInfo || e.Name == PackageInfoFile
	}
	if !hasInfo {
		text := opts.PackageInfoText
		if text == nil {
			var b bytes.Buffer
			if err := pkginfo.WritePackageInfo(&b, info); err != nil {
				return fmt.Errorf("hpkg: formatting %s: %w", PackageInfoFile, err)
			}
			text = b.Bytes()
		}
		now := opts.PackageInfoTime
		if now.IsZero() {
			now = newestMTime(root)
		}
		root = append(root[:len(root):len(root)], &Entry{
			Name: PackageInfoFile, Type: FileRegular, Perm: 0o644,
			ATime: now, MTime: now, CrTime: now,
			Size: int64(len(text)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(text)), nil },
		})
	}

	start := int64(-1)
	ws, seekable := w.(io.WriteSeeker)
	if seekable {
		if pos, err := ws.Seek(0, io.SeekCurrent); err == nil {
			start = pos
		}
	}
	var heapDst io.Writer
	var buffered *bytes.Buffer
	if start >= 0 {
		if _, err := w.Write(make([]byte, HeaderSize)); err != nil {
			return fmt.Errorf("hpkg: writing header: %w", err)
		}
		heapDst = w
	} else {
		buffered = new(bytes.Buffer)
		heapDst = buffered
	}
	hw, err := NewHeapWriter(heapDst, opts.Compression, opts.Level)
	if err != nil {
		return err
	}
	tw := tocWriter{hw: hw}
	toc, err := tw.entries("", root)
	if err != nil {
		hw.Close()
		return err
	}
	tocSec, tocStrLen, tocStrCount, err := EncodeSection(toc)
	if err != nil {
		hw.Close()
		return err
	}
	attrSec, attrStrLen, attrStrCount, err := encodePackageSection(info)
	if err != nil {
		hw.Close()
		return err
	}
	if _, err := hw.Write(tocSec); err != nil {
		return err
	}
	if _, err := hw.Write(attrSec); err != nil {
		return err
	}
	comp, uncomp, err := hw.Close()
	if err != nil {
		return err
	}
	if len(attrSec) > 1<<32-1 {
		return fmt.Errorf("%w: package attributes of %d bytes", ErrLimit, len(attrSec))
	}
	minor := opts.MinorVersion
	if minor == 0 {
		minor = MinorVersion
	}
	h := Header{
		HeaderSize:              HeaderSize,
		Version:                 Version,
		TotalSize:               HeaderSize + comp,
		MinorVersion:            minor,
		Compression:             opts.Compression,
		ChunkSize:               ChunkSize,
		HeapCompressedSize:      comp,
		HeapUncompressedSize:    uncomp,
		AttributesLength:        uint32(len(attrSec)),
		AttributesStringsLength: uint32(attrStrLen),
		AttributesStringsCount:  uint32(attrStrCount),
		TOCLength:               uint64(len(tocSec)),
		TOCStringsLength:        tocStrLen,
		TOCStringsCount:         tocStrCount,
	}
	hb := appendHeader(nil, &h)
	if buffered != nil {
		if _, err := w.Write(hb); err != nil {
			return fmt.Errorf("hpkg: writing header: %w", err)
		}
		if _, err := buffered.WriteTo(w); err != nil {
			return fmt.Errorf("hpkg: writing heap: %w", err)
		}
		return nil
	}
	if _, err := ws.Seek(start, io.SeekStart); err != nil {
		return fmt.Errorf("hpkg: writing header: %w", err)
	}
	if _, err := w.Write(hb); err != nil {
		return fmt.Errorf("hpkg: writing header: %w", err)
	}
	if _, err := ws.Seek(start+int64(h.TotalSize), io.SeekStart); err != nil {
		return fmt.Errorf("hpkg: writing header: %w", err)
	}
	return nil
}

// checkEntries validates names and shapes of the tree before anything is
// written.
func checkEntries(dir string, es []*Entry) error {
	seen := map[string]bool{}
	for _, e := range es {
		p := path.Join(dir, e.Name)
		if e.Name == "" || e.Name == "." || e.Name == ".." || containsSlash(e.Name) {
			return fmt.Errorf("hpkg: invalid entry name %q in %q", e.Name, dir)
		}
		if seen[e.Name] {
			return fmt.Errorf("hpkg: duplicate entry %q", p)
		}
		seen[e.Name] = true
		switch e.Type {
		case FileRegular:
			if e.Size < 0 || e.Size > 0 && e.Open == nil {
				return fmt.Errorf("hpkg: %s: file of %d bytes without contents", p, e.Size)
			}
		case FileDirectory:
		case FileSymlink:
			if e.LinkTarget == "" {
				return fmt.Errorf("hpkg: %s: symlink without target", p)
			}
		default:
			return fmt.Errorf("hpkg: %s: invalid file type %d", p, e.Type)
		}
		if e.Type != FileDirectory && len(e.Children) > 0 {
			return fmt.Errorf("hpkg: %s: a %s cannot have children", p, e.Type)
		}
		if err := checkEntries(p, e.Children); err != nil {
			return err
		}
	}
	return nil
}

// tocWriter streams entry data into the heap and builds the TOC nodes.
type tocWriter struct {
	hw *HeapWriter
}

func (t *tocWriter) entries(dir string, es []*Entry) ([]Node, error) {
	nodes := make([]Node, 0, len(es))
	for _, e := range es {
		n, err := t.entry(path.Join(dir, e.Name), e)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

func (t *tocWriter) entry(p string, e *Entry) (Node, error) {
	n := StringNode(AttrDirEntry, e.Name)
	add := func(c Node) { n.Children = append(n.Children, c) }
	if e.Type != FileRegular {
		add(UintNode(AttrFileType, uint64(e.Type)))
	}
	if e.Perm != 0 && e.Perm != e.Type.DefaultPerm() {
		add(UintNode(AttrFilePermissions, uint64(e.Perm)))
	}
	if e.User != "" {
		add(StringNode(AttrFileUser, e.User))
	}
	if e.Group != "" {
		add(StringNode(AttrFileGroup, e.Group))
	}
	for i, tm := range []time.Time{e.ATime, e.MTime, e.CrTime} {
		if tm.IsZero() {
			continue
		}
		add(UintNode(AttrFileATime+AttrID(i), uint64(max(tm.Unix(), 0))))
		if ns := tm.Nanosecond(); ns != 0 {
			add(UintNode(AttrFileATimeNanos+AttrID(i), uint64(ns)))
		}
	}
	if e.Type == FileRegular && e.Size > 0 {
		d, err := t.fileData(p, e)
		if err != nil {
			return n, err
		}
		add(d)
	}
	if e.Type == FileSymlink {
		add(StringNode(AttrSymlinkPath, e.LinkTarget))
	}
	for _, x := range e.Xattrs {
		xn := StringNode(AttrFileAttribute, x.Name, UintNode(AttrFileAttributeType, uint64(x.Type)))
		var d Node
		var err error
		if x.Value == nil && x.Open != nil {
			d, err = t.streamData(x.Open)
		} else {
			d, err = t.bytesData(x.Value)
		}
		if err != nil {
			return n, fmt.Errorf("hpkg: %s: attribute %s: %w", p, x.Name, err)
		}
		xn.Children = append(xn.Children, d)
		add(xn)
	}
	kids, err := t.entries(p, e.Children)
	if err != nil {
		return n, err
	}
	n.Children = append(n.Children, kids...)
	return n, nil
}

// bytesData stores b inline (≤ MaxInlineData bytes) or in the heap.
func (t *tocWriter) bytesData(b []byte) (Node, error) {
	if len(b) <= MaxInlineData {
		return RawNode(AttrData, b), nil
	}
	off := t.hw.Offset()
	if _, err := t.hw.Write(b); err != nil {
		return Node{}, err
	}
	return HeapNode(AttrData, off, uint64(len(b))), nil
}

// streamData stores what open returns, inline when it is at most
// MaxInlineData bytes, otherwise streamed into the heap.
func (t *tocWriter) streamData(open func() (io.ReadCloser, error)) (Node, error) {
	rc, err := open()
	if err != nil {
		return Node{}, err
	}
	defer rc.Close()
	head := make([]byte, MaxInlineData+1)
	n, err := io.ReadFull(rc, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return RawNode(AttrData, head[:n]), nil
	}
	if err != nil {
		return Node{}, err
	}
	off := t.hw.Offset()
	if _, err := t.hw.Write(head); err != nil {
		return Node{}, err
	}
	rest, err := t.hw.ReadFrom(rc)
	if err != nil {
		return Node{}, err
	}
	return HeapNode(AttrData, off, uint64(len(head))+uint64(rest)), nil
}

// fileData streams a regular file's contents into the heap.
func (t *tocWriter) fileData(p string, e *Entry) (Node, error) {
	rc, err := e.Open()
	if err != nil {
		return Node{}, fmt.Errorf("hpkg: %s: %w", p, err)
	}
	defer rc.Close()
	if e.Size <= MaxInlineData {
		b := make([]byte, e.Size+1)
		n, err := io.ReadFull(rc, b)
		if err != io.ErrUnexpectedEOF {
			if err == nil {
				err = fmt.Errorf("more than %d bytes", e.Size)
			}
			return Node{}, fmt.Errorf("hpkg: %s: reading contents: %w", p, err)
		}
		if int64(n) != e.Size {
			return Node{}, fmt.Errorf("hpkg: %s: contents are %d bytes, want %d", p, n, e.Size)
		}
		return RawNode(AttrData, b[:n]), nil
	}
	off := t.hw.Offset()
	n, err := t.hw.ReadFrom(io.LimitReader(rc, e.Size+1))
	if err != nil {
		return Node{}, fmt.Errorf("hpkg: %s: %w", p, err)
	}
	if n != e.Size {
		return Node{}, fmt.Errorf("hpkg: %s: contents are %d bytes, want %d (file changed?)", p, n, e.Size)
	}
	return HeapNode(AttrData, off, uint64(n)), nil
}

// newestMTime returns the latest MTime in the tree (zero if none is set).
func newestMTime(es []*Entry) time.Time {
	var t time.Time
	for _, e := range es {
		if e.MTime.After(t) {
			t = e.MTime
		}
		if c := newestMTime(e.Children); c.After(t) {
			t = c
		}
	}
	return t
}
