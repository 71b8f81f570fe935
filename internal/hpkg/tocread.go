package hpkg

import (
	"fmt"
	"io"
	"time"
)

// readTOC parses the TOC into the entry tree.
func (p *Package) readTOC() ([]*Entry, error) {
	d, err := p.tocDecoder()
	if err != nil {
		return nil, err
	}
	return p.parseTOC(d, nil)
}

// parseTOC parses the TOC section d decodes into the entry tree; the
// entries' Open functions read through p. With visit set, it checks the
// TOC the same way but keeps no tree: each entry is passed to visit once
// parsed (children before their directory, without Children or Open) and
// dropped, and parseTOC returns nil.
func (p *Package) parseTOC(d *Decoder, visit func(*Entry)) ([]*Entry, error) {
	t := tocReader{p: p, d: d, visit: visit}
	var top []*Entry
	for {
		a, ok, err := d.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return top, nil
		}
		if a.ID != AttrDirEntry {
			if err := d.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		e, err := t.entry(a)
		if err != nil {
			return nil, err
		}
		if visit == nil {
			top = append(top, e)
		}
	}
}

// MaxTOCItems is the most entries plus extended attributes the TOC reader
// accepts for one package (real packages have at most a few hundred
// thousand); it bounds the memory a small, highly compressed TOC can make
// the reader use.
const MaxTOCItems = 1 << 20

type tocReader struct {
	p     *Package
	d     *Decoder
	items int
	visit func(*Entry) // see parseTOC
}

func (t *tocReader) count() error {
	limit := MaxTOCItems
	if t.p.tocLimit > 0 {
		limit = t.p.tocLimit
	}
	if t.items++; t.items > limit {
		return fmt.Errorf("%w: TOC at offset %d: more than %d entries and attributes", ErrLimit, t.d.pos, limit)
	}
	return nil
}

type timeAttr struct {
	sec, nsec uint64
	set       bool
}

func (t timeAttr) time() time.Time {
	if !t.set {
		return time.Time{}
	}
	return time.Unix(int64(t.sec), int64(t.nsec))
}

// entry parses a dir:entry attribute a and its children.
func (t *tocReader) entry(a Attr) (*Entry, error) {
	d := t.d
	if err := d.wantString(a); err != nil {
		return nil, err
	}
	if a.Str == "" || a.Str == "." || a.Str == ".." || containsSlash(a.Str) {
		return nil, d.errorf("invalid entry name %q", a.Str)
	}
	if err := t.count(); err != nil {
		return nil, err
	}
	e := &Entry{Name: a.Str}
	var times [3]timeAttr
	var perm uint64
	var havePerm, haveData, haveChildren bool
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrFileType:
			v, err := d.uintValue(c, 2)
			e.Type = FileType(v)
			return err
		case AttrFilePermissions:
			v, err := d.uintValue(c, 0o7777)
			perm, havePerm = v, true
			return err
		case AttrFileUser, AttrFileGroup, AttrSymlinkPath:
			if err := d.wantString(c); err != nil {
				return err
			}
			switch c.ID {
			case AttrFileUser:
				e.User = c.Str
			case AttrFileGroup:
				e.Group = c.Str
			default:
				e.LinkTarget = c.Str
			}
		case AttrFileATime, AttrFileMTime, AttrFileCrTime:
			v, err := d.uintValue(c, 1<<63-1)
			times[c.ID-AttrFileATime].sec, times[c.ID-AttrFileATime].set = v, true
			return err
		case AttrFileATimeNanos, AttrFileMTimeNanos, AttrFileCrTimeNanos:
			v, err := d.uintValue(c, 999999999)
			times[c.ID-AttrFileATimeNanos].nsec = v
			return err
		case AttrData:
			ref, err := t.data(c)
			if err != nil {
				return err
			}
			e.Data, haveData = ref, true
		case AttrFileAttribute:
			x, err := t.xattr(c)
			if err != nil {
				return err
			}
			e.Xattrs = append(e.Xattrs, x)
		case AttrDirEntry:
			child, err := t.entry(c)
			if err != nil {
				return err
			}
			haveChildren = true
			if t.visit == nil {
				e.Children = append(e.Children, child)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.ATime, e.MTime, e.CrTime = times[0].time(), times[1].time(), times[2].time()
	e.Perm = e.Type.DefaultPerm()
	if havePerm {
		e.Perm = uint32(perm)
	}
	if e.Type != FileDirectory && haveChildren {
		return nil, d.errorf("%s %q has child entries", e.Type, e.Name)
	}
	if e.Type == FileRegular {
		if haveData {
			if e.Data.Size > 1<<62 {
				return nil, d.errorf("file %q: size %d out of range", e.Name, e.Data.Size)
			}
			e.Size = int64(e.Data.Size)
		}
		if t.visit == nil {
			ref := e.Data
			p := t.p
			e.Open = func() (io.ReadCloser, error) { return io.NopCloser(p.OpenData(ref)), nil }
		}
	}
	if t.visit != nil {
		t.visit(e)
	}
	return e, nil
}

func containsSlash(s string) bool {
	for i := range len(s) {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// data converts a data attribute into a DataRef.
func (t *tocReader) data(c Attr) (DataRef, error) {
	if c.Type != TypeRaw {
		return DataRef{}, t.d.errorf("%s has type %s, want RAW", c.ID, c.Type)
	}
	if c.InHeap {
		return DataRef{InHeap: true, Offset: c.DataOffset, Size: c.DataSize}, nil
	}
	return DataRef{Inline: c.Data, Size: uint64(len(c.Data))}, nil
}

// xattr parses a file:attribute attribute and loads its value.
func (t *tocReader) xattr(a Attr) (Xattr, error) {
	d := t.d
	var x Xattr
	if err := d.wantString(a); err != nil {
		return x, err
	}
	if err := t.count(); err != nil {
		return x, err
	}
	x.Name = a.Str
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrFileAttributeType:
			v, err := d.uintValue(c, 1<<32-1)
			x.Type = uint32(v)
			return err
		case AttrData:
			ref, err := t.data(c)
			x.Data = ref
			return err
		}
		return nil
	})
	if err != nil {
		return x, err
	}
	if !x.Data.InHeap {
		x.Value = x.Data.Inline
		if x.Value == nil {
			x.Value = []byte{}
		}
	}
	if t.visit == nil {
		ref := x.Data
		p := t.p
		x.Open = func() (io.ReadCloser, error) { return io.NopCloser(p.OpenData(ref)), nil }
	}
	return x, nil
}
