package hpkg

import (
	"errors"
	"fmt"
	"slices"
)

// EncodeSection encodes nodes as an attribute section (FORMATS.md §1.4): a
// string table, then the 0-terminated attribute list. Like Haiku's writer,
// the table holds every non-empty string value used at least twice, sorted
// by descending use count (ties in order of first use, so the output is
// deterministic); other strings are stored inline. Integers get the
// smallest encoding that holds them; HasChildren is taken from
// len(Children), not from the Attr field.
func EncodeSection(nodes []Node) (section []byte, stringsLength, stringsCount uint64, err error) {
	var e sectionEncoder
	return e.encode(func() { e.nodes(nodes, 0) })
}

// errWalkChanged means the two passes of a sectionEncoder saw different
// strings: a bug, never a property of the input.
var errWalkChanged = errors.New("hpkg: internal error: attribute walk differs between passes")

// sectionEncoder encodes an attribute section in two passes of the same
// walk, a function that calls str, uint, int, raw and end in attribute
// order (pre-order, a child list closed by end). The first pass only
// counts: every non-empty string, its uses and its first use, and the
// bytes of everything else; the second writes into a buffer allocated
// once with the exact section size. So encoding needs no attribute tree,
// and allocates the section, the string counts and little more.
type sectionEncoder struct {
	writing bool
	index   map[string]int32 // string → position in uses
	uses    []stringUse      // in order of first use
	seq     []int32          // uses position of each non-empty string, in walk order
	fixed   int              // list bytes other than non-empty string values
	next    int              // seq position while writing
	buf     []byte
	err     error
}

type stringUse struct {
	s     string
	count int32
	table int32 // index in the string table, -1 when stored inline
}

// encode runs walk twice (count, then write) and returns the section.
func (e *sectionEncoder) encode(walk func()) (section []byte, stringsLength, stringsCount uint64, err error) {
	if e.index == nil {
		e.index = make(map[string]int32)
	}
	walk()
	// The table: strings used at least twice, most used first, ties in
	// order of first use (a stable sort of uses, which is in that order).
	n := 0
	for i := range e.uses {
		if e.uses[i].count >= 2 {
			n++
		}
	}
	table := make([]int32, 0, n)
	for i := range e.uses {
		if e.uses[i].count >= 2 {
			table = append(table, int32(i))
		}
	}
	slices.SortStableFunc(table, func(a, b int32) int { return int(e.uses[b].count - e.uses[a].count) })
	size := 1 + e.fixed
	for k, i := range table {
		e.uses[i].table = int32(k)
		size += len(e.uses[i].s) + 1
	}
	for i := range e.uses {
		u := &e.uses[i]
		if u.table >= 0 {
			size += int(u.count) * uvarintLen(uint64(u.table))
		} else {
			size += int(u.count) * (len(u.s) + 1)
		}
	}
	e.buf = make([]byte, 0, size)
	for _, i := range table {
		e.buf = append(e.buf, e.uses[i].s...)
		e.buf = append(e.buf, 0)
	}
	e.buf = append(e.buf, 0)
	stringsLength, stringsCount = uint64(len(e.buf)), uint64(len(table))
	e.writing = true
	walk()
	if e.err == nil && e.next != len(e.seq) {
		e.err = errWalkChanged
	}
	if e.err != nil {
		return nil, 0, 0, e.err
	}
	return e.buf, stringsLength, stringsCount, nil
}

// tag appends an attribute tag. Every tag takes two bytes: the type (1–4)
// alone makes it at least 128, and 13 bits plus one stay below 2^14.
func (e *sectionEncoder) tag(enc uint64, kids bool, t AttrType, id AttrID) {
	v := enc<<11 | uint64(t)<<7 | uint64(id)
	if kids {
		v |= 1 << 10
	}
	e.buf = appendUvarint(e.buf, v+1)
}

// str adds a string attribute; kids says a child list follows (closed by end).
func (e *sectionEncoder) str(id AttrID, s string, kids bool) {
	if !e.writing {
		e.fixed += 2
		if s == "" {
			e.fixed++
			return
		}
		i, ok := e.index[s]
		if !ok {
			i = int32(len(e.uses))
			e.index[s] = i
			e.uses = append(e.uses, stringUse{s: s, table: -1})
		}
		e.uses[i].count++
		e.seq = append(e.seq, i)
		return
	}
	if s == "" {
		e.tag(encStringInline, kids, TypeString, id)
		e.buf = append(e.buf, 0)
		return
	}
	if e.next >= len(e.seq) || e.uses[e.seq[e.next]].s != s {
		e.err = errWalkChanged
		return
	}
	u := &e.uses[e.seq[e.next]]
	e.next++
	if u.table >= 0 {
		e.tag(encStringTable, kids, TypeString, id)
		e.buf = appendUvarint(e.buf, uint64(u.table))
		return
	}
	e.tag(encStringInline, kids, TypeString, id)
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
}

// uint adds an unsigned attribute in the smallest width that holds v.
func (e *sectionEncoder) uint(id AttrID, v uint64, kids bool) {
	enc := uintWidth(v)
	if !e.writing {
		e.fixed += 2 + 1<<enc
		return
	}
	e.tag(enc, kids, TypeUint, id)
	e.buf = appendBigEndian(e.buf, v, enc)
}

// int adds a signed attribute in the smallest width that holds v.
func (e *sectionEncoder) int(id AttrID, v int64, kids bool) {
	var enc uint64
	switch {
	case v >= -1<<7 && v < 1<<7:
		enc = encInt8
	case v >= -1<<15 && v < 1<<15:
		enc = encInt16
	case v >= -1<<31 && v < 1<<31:
		enc = encInt32
	default:
		enc = encInt64
	}
	if !e.writing {
		e.fixed += 2 + 1<<enc
		return
	}
	e.tag(enc, kids, TypeInt, id)
	e.buf = appendBigEndian(e.buf, uint64(v), enc)
}

// raw adds a raw attribute: data inline, or a heap reference when inHeap.
func (e *sectionEncoder) raw(id AttrID, data []byte, inHeap bool, offset, size uint64, kids bool) {
	if !e.writing {
		if inHeap {
			e.fixed += 2 + uvarintLen(size) + uvarintLen(offset)
		} else {
			e.fixed += 2 + uvarintLen(uint64(len(data))) + len(data)
		}
		return
	}
	if inHeap {
		e.tag(encRawHeap, kids, TypeRaw, id)
		e.buf = appendUvarint(appendUvarint(e.buf, size), offset)
		return
	}
	e.tag(encRawInline, kids, TypeRaw, id)
	e.buf = appendUvarint(e.buf, uint64(len(data)))
	e.buf = append(e.buf, data...)
}

// end closes the current attribute list.
func (e *sectionEncoder) end() {
	if !e.writing {
		e.fixed++
		return
	}
	e.buf = append(e.buf, 0)
}

// nodes walks a node tree. Bad ids, types and nesting are reported while
// writing, where the first one in attribute order stops the walk.
func (e *sectionEncoder) nodes(ns []Node, depth int) {
	if e.writing && depth > MaxDepth {
		e.err = fmt.Errorf("%w: attributes nested deeper than %d", ErrLimit, MaxDepth)
		return
	}
	for i := range ns {
		n := &ns[i]
		kids := len(n.Children) > 0
		if e.writing {
			if n.ID >= 128 {
				e.err = fmt.Errorf("hpkg: encoding attribute: id %d does not fit in 7 bits", n.ID)
				return
			}
			if n.Type < TypeInt || n.Type > TypeRaw {
				e.err = fmt.Errorf("hpkg: encoding %s: invalid type %d", n.ID, n.Type)
				return
			}
		}
		switch n.Type {
		case TypeUint:
			e.uint(n.ID, n.Int, kids)
		case TypeInt:
			e.int(n.ID, int64(n.Int), kids)
		case TypeString:
			e.str(n.ID, n.Str, kids)
		case TypeRaw:
			e.raw(n.ID, n.Data, n.InHeap, n.DataOffset, n.DataSize, kids)
		}
		if kids {
			e.nodes(n.Children, depth+1)
			if e.err != nil {
				return
			}
		}
	}
	e.end()
}

// uintWidth returns the encoding (encInt8 … encInt64) of the smallest
// width that holds v.
func uintWidth(v uint64) uint64 {
	switch {
	case v <= 0xff:
		return encInt8
	case v <= 0xffff:
		return encInt16
	case v <= 0xffffffff:
		return encInt32
	}
	return encInt64
}

// appendBigEndian appends the low 1<<enc bytes of v, most significant first.
func appendBigEndian(b []byte, v uint64, enc uint64) []byte {
	for shift := 8*(1<<enc) - 8; shift >= 0; shift -= 8 {
		b = append(b, byte(v>>shift))
	}
	return b
}
