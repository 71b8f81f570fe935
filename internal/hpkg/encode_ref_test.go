package hpkg

// The encoder as it was before the direct package encoder (a string table
// counted over a node tree, then appendList): the reference the tests
// compare the current encoder's output with, byte for byte.

import (
	"fmt"
	"slices"
)

func encodeSectionRef(nodes []Node) (section []byte, stringsLength, stringsCount uint64, err error) {
	type use struct {
		s     string
		count int
		first int
	}
	counts := map[string]*use{}
	var order []*use
	var walk func([]Node)
	walk = func(ns []Node) {
		for i := range ns {
			if ns[i].Type == TypeString && ns[i].Str != "" {
				u := counts[ns[i].Str]
				if u == nil {
					u = &use{s: ns[i].Str, first: len(order)}
					counts[u.s] = u
					order = append(order, u)
				}
				u.count++
			}
			walk(ns[i].Children)
		}
	}
	walk(nodes)
	var table []*use
	for _, u := range order {
		if u.count >= 2 {
			table = append(table, u)
		}
	}
	slices.SortStableFunc(table, func(a, b *use) int { return b.count - a.count })
	index := make(map[string]uint64, len(table))
	var buf []byte
	for i, u := range table {
		index[u.s] = uint64(i)
		buf = append(buf, u.s...)
		buf = append(buf, 0)
	}
	buf = append(buf, 0)
	stringsLength, stringsCount = uint64(len(buf)), uint64(len(table))
	buf, err = appendListRef(buf, nodes, index, 0)
	if err != nil {
		return nil, 0, 0, err
	}
	return buf, stringsLength, stringsCount, nil
}

func appendListRef(b []byte, nodes []Node, index map[string]uint64, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: attributes nested deeper than %d", ErrLimit, MaxDepth)
	}
	for i := range nodes {
		n := &nodes[i]
		if n.ID >= 128 {
			return nil, fmt.Errorf("hpkg: encoding attribute: id %d does not fit in 7 bits", n.ID)
		}
		var enc uint64
		var val []byte
		switch n.Type {
		case TypeUint:
			enc, val = uintEncodingRef(n.Int)
		case TypeInt:
			enc, val = intEncodingRef(int64(n.Int))
		case TypeString:
			if idx, ok := index[n.Str]; ok {
				enc = encStringTable
				val = appendUvarint(nil, idx)
			} else {
				enc = encStringInline
				val = append([]byte(n.Str), 0)
			}
		case TypeRaw:
			if n.InHeap {
				enc = encRawHeap
				val = appendUvarint(appendUvarint(nil, n.DataSize), n.DataOffset)
			} else {
				enc = encRawInline
				val = append(appendUvarint(nil, uint64(len(n.Data))), n.Data...)
			}
		default:
			return nil, fmt.Errorf("hpkg: encoding %s: invalid type %d", n.ID, n.Type)
		}
		var kids uint64
		if len(n.Children) > 0 {
			kids = 1
		}
		tag := (enc<<11 | kids<<10 | uint64(n.Type)<<7 | uint64(n.ID)) + 1
		b = appendUvarint(b, tag)
		b = append(b, val...)
		if kids == 1 {
			var err error
			if b, err = appendListRef(b, n.Children, index, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return append(b, 0), nil
}

func uintEncodingRef(v uint64) (uint64, []byte) {
	switch {
	case v <= 0xff:
		return encInt8, []byte{byte(v)}
	case v <= 0xffff:
		return encInt16, []byte{byte(v >> 8), byte(v)}
	case v <= 0xffffffff:
		return encInt32, []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	}
	return encInt64, []byte{byte(v >> 56), byte(v >> 48), byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func intEncodingRef(v int64) (uint64, []byte) {
	switch {
	case v >= -1<<7 && v < 1<<7:
		return uintEncodingWidthRef(encInt8, uint64(v))
	case v >= -1<<15 && v < 1<<15:
		return uintEncodingWidthRef(encInt16, uint64(v))
	case v >= -1<<31 && v < 1<<31:
		return uintEncodingWidthRef(encInt32, uint64(v))
	}
	return uintEncodingWidthRef(encInt64, uint64(v))
}

func uintEncodingWidthRef(enc uint64, v uint64) (uint64, []byte) {
	w := 1 << enc
	b := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return enc, b
}
