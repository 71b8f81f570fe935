package hpkg

import (
	"fmt"
	"strings"
)

// Decoder limits.
const (
	// MaxDepth is the deepest attribute nesting accepted (a TOC nests one
	// level per directory, plus two for file attributes).
	MaxDepth = 512
	// MaxNodes is the most attributes ReadTree builds (a few hundred MiB
	// of nodes at most).
	MaxNodes = 1 << 21
	// MaxStrings is the longest string table accepted (each entry costs a
	// 16-byte string header, so a table of empty strings would otherwise
	// cost 16 times its size). The fixtures' tables hold at most 766
	// strings; a repository of all of HaikuPorts' 6,552 packages a few tens
	// of thousands.
	MaxStrings = 1 << 20
)

// Decoder is a pull parser for one attribute section (FORMATS.md §1.4): a
// string table followed by a 0-terminated attribute list whose entries may
// carry nested lists. Call Next until it reports the end of the top-level
// list; after an attribute with HasChildren, Next returns the children
// (ending with ok == false for the end of that list) unless Skip is called
// first.
type Decoder struct {
	s       string // the whole section
	pos     int    // read position in s
	strs    []string
	where   string // section name for errors
	depth   int
	pending bool // the last attribute has children not yet entered
	done    bool

	// When CheckData is set, every heap data reference must end at or
	// before DataLimit (the start of the TOC in an HPKG).
	CheckData bool
	DataLimit uint64
}

// NewDecoder returns a decoder for section, whose first stringsLength bytes
// are the string table with stringsCount strings. where names the section
// in error messages ("TOC", "package attributes").
func NewDecoder(section []byte, stringsLength, stringsCount uint64, where string) (*Decoder, error) {
	return newDecoderString(string(section), stringsLength, stringsCount, where)
}

// newDecoderString is NewDecoder for a section already in a string: the
// strings it returns are substrings of section.
func newDecoderString(section string, stringsLength, stringsCount uint64, where string) (*Decoder, error) {
	d := &Decoder{s: section, where: where}
	if stringsLength > uint64(len(section)) {
		return nil, formatError(where, "string table length %d exceeds the section length %d", stringsLength, len(section))
	}
	if stringsCount > stringsLength {
		return nil, formatError(where, "string table of %d bytes cannot hold %d strings", stringsLength, stringsCount)
	}
	if stringsCount > MaxStrings {
		return nil, fmt.Errorf("%w: %s: string table of %d strings, more than %d", ErrLimit, where, stringsCount, MaxStrings)
	}
	if stringsLength > 0 {
		d.strs = make([]string, 0, stringsCount)
		table := d.s[:stringsLength]
		pos := 0
		for i := range stringsCount {
			end := strings.IndexByte(table[pos:], 0)
			if end < 0 || pos+end == len(table)-1 {
				return nil, formatError(where, "string table (%d bytes) ends inside string %d of %d at offset %d", stringsLength, i, stringsCount, pos)
			}
			d.strs = append(d.strs, table[pos:pos+end])
			pos += end + 1
		}
		if pos != len(table)-1 || table[pos] != 0 {
			return nil, formatError(where, "string table has %d bytes after its %d strings, want just the final 0", len(table)-pos, stringsCount)
		}
	}
	d.pos = int(stringsLength)
	return d, nil
}

// Strings returns the string table.
func (d *Decoder) Strings() []string { return d.strs }

// Depth returns the nesting level of the list Next reads next (0 = top level).
func (d *Decoder) Depth() int {
	if d.pending {
		return d.depth + 1
	}
	return d.depth
}

// Done reports whether the top-level list has ended.
func (d *Decoder) Done() bool { return d.done }

// Offset returns the read position within the section.
func (d *Decoder) Offset() int { return d.pos }

func (d *Decoder) errorf(format string, args ...any) error {
	return formatError(fmt.Sprintf("%s at offset %d", d.where, d.pos), format, args...)
}

func (d *Decoder) uvarint(what string) (uint64, error) {
	v, n := readUvarint(d.s[d.pos:])
	if n == 0 {
		return 0, d.errorf("section ends inside %s", what)
	}
	if n < 0 {
		return 0, d.errorf("%s overflows 64 bits", what)
	}
	d.pos += n
	return v, nil
}

// Next reads the next attribute of the current list. At the list's end it
// returns ok == false and continues with the parent list; at the end of the
// top-level list Done becomes true and further calls keep returning false.
func (d *Decoder) Next() (a Attr, ok bool, err error) {
	if d.done {
		return a, false, nil
	}
	if d.pending {
		d.pending = false
		d.depth++
		if d.depth > MaxDepth {
			return a, false, fmt.Errorf("%w: %s at offset %d: attributes nested deeper than %d", ErrLimit, d.where, d.pos, MaxDepth)
		}
	}
	start := d.pos
	tag, err := d.uvarint("attribute tag")
	if err != nil {
		return a, false, err
	}
	if tag == 0 {
		if d.depth == 0 {
			d.done = true
		} else {
			d.depth--
		}
		return a, false, nil
	}
	t := tag - 1
	if t >= 1<<13 {
		d.pos = start
		return a, false, d.errorf("invalid attribute tag %d", tag)
	}
	a.ID = AttrID(t & 0x7f)
	a.Type = AttrType((t >> 7) & 7)
	a.HasChildren = (t>>10)&1 != 0
	enc := (t >> 11) & 3
	switch a.Type {
	case TypeInt, TypeUint:
		w := 1 << enc
		if len(d.s)-d.pos < w {
			return a, false, d.errorf("section ends inside the value of %s", a.ID)
		}
		var v uint64
		for i := range w {
			v = v<<8 | uint64(d.s[d.pos+i])
		}
		if a.Type == TypeInt && w < 8 {
			shift := 64 - 8*uint(w)
			v = uint64(int64(v<<shift) >> shift)
		}
		a.Int = v
		d.pos += w
	case TypeString:
		switch enc {
		case encStringInline:
			end := strings.IndexByte(d.s[d.pos:], 0)
			if end < 0 {
				return a, false, d.errorf("section ends inside the inline string of %s", a.ID)
			}
			a.Str = d.s[d.pos : d.pos+end]
			d.pos += end + 1
		case encStringTable:
			idx, err := d.uvarint("string index")
			if err != nil {
				return a, false, err
			}
			if idx >= uint64(len(d.strs)) {
				return a, false, d.errorf("string index %d of %s out of range (table has %d strings)", idx, a.ID, len(d.strs))
			}
			a.Str = d.strs[idx]
		default:
			return a, false, d.errorf("invalid string encoding %d for %s", enc, a.ID)
		}
	case TypeRaw:
		size, err := d.uvarint("data size")
		if err != nil {
			return a, false, err
		}
		switch enc {
		case encRawInline:
			if size > uint64(len(d.s)-d.pos) {
				return a, false, d.errorf("inline data of %s (%d bytes) exceeds the section", a.ID, size)
			}
			a.Data = []byte(d.s[d.pos : d.pos+int(size)])
			d.pos += int(size)
		case encRawHeap:
			off, err := d.uvarint("data offset")
			if err != nil {
				return a, false, err
			}
			if off+size < off || d.CheckData && off+size > d.DataLimit {
				return a, false, d.errorf("heap data of %s (%d bytes at %d) lies outside the data area (ends at %d)", a.ID, size, off, d.DataLimit)
			}
			a.InHeap, a.DataOffset, a.DataSize = true, off, size
		default:
			return a, false, d.errorf("invalid data encoding %d for %s", enc, a.ID)
		}
	default:
		d.pos = start
		return a, false, d.errorf("invalid attribute type %d (tag %d)", a.Type, tag)
	}
	d.pending = a.HasChildren
	return a, true, nil
}

// Skip skips the children of the attribute Next returned last; it does
// nothing if that attribute has none or they were already entered.
func (d *Decoder) Skip() error {
	if !d.pending {
		return nil
	}
	target := d.depth
	for {
		_, _, err := d.Next()
		if err != nil {
			return err
		}
		if d.depth == target && !d.pending {
			return nil
		}
	}
}

// ReadTree decodes the rest of the current list (with all children) into
// nodes. At most MaxNodes attributes are accepted.
func (d *Decoder) ReadTree() ([]Node, error) {
	count := 0
	return d.readList(&count)
}

func (d *Decoder) readList(count *int) ([]Node, error) {
	var list []Node
	for {
		a, ok, err := d.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return list, nil
		}
		if *count++; *count > MaxNodes {
			return nil, fmt.Errorf("%w: %s: more than %d attributes", ErrLimit, d.where, MaxNodes)
		}
		n := Node{Attr: a}
		if a.HasChildren {
			if n.Children, err = d.readList(count); err != nil {
				return nil, err
			}
		}
		list = append(list, n)
	}
}
