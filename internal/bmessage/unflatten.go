package bmessage

import (
	"encoding/binary"
	"fmt"
)

// Unflatten parses a flattened message that fills b exactly. It checks
// every size, offset, count and link against the input and returns an
// error wrapping ErrFormat or ErrCorrupt, naming the field, for anything
// out of bounds. Every item takes at least one byte of b (fixed-size
// items are at least one byte, variable-size ones carry a 4-byte size), so
// it never allocates more than a small multiple of len(b): at most one
// 24-byte slice header per byte of input.
//
// Items alias b. Fields are returned in the order of their headers. The hash table and
// next_field links are only bounds-checked (as Haiku does); Flatten
// recomputes them.
func Unflatten(b []byte) (*Message, error) {
	le := binary.LittleEndian
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, header needs %d", ErrFormat, len(b), HeaderSize)
	}
	if f := le.Uint32(b); f != Format {
		return nil, fmt.Errorf("%w: format 0x%08x, want 0x%08x (\"HMF1\")", ErrFormat, f, Format)
	}
	m := &Message{What: le.Uint32(b[4:])}
	for i := range m.Header {
		m.Header[i] = le.Uint32(b[8+4*i:])
	}
	dataSize := uint64(le.Uint32(b[36:]))
	fieldCount := uint64(le.Uint32(b[40:]))
	hashSize := le.Uint32(b[44:])
	if hashSize != HashTableSize {
		return nil, fmt.Errorf("%w: hash table size %d, want %d", ErrCorrupt, hashSize, HashTableSize)
	}
	rest := uint64(len(b) - HeaderSize)
	if fieldCount > rest/FieldHeaderSize {
		return nil, fmt.Errorf("%w: %d fields do not fit in %d bytes", ErrCorrupt, fieldCount, rest)
	}
	dataOff := HeaderSize + FieldHeaderSize*fieldCount
	if dataOff+dataSize != uint64(len(b)) {
		return nil, fmt.Errorf("%w: header, %d fields and %d data bytes make %d bytes, input has %d",
			ErrCorrupt, fieldCount, dataSize, dataOff+dataSize, len(b))
	}
	for i := 0; i < HashTableSize; i++ {
		h := int32(le.Uint32(b[48+4*i:]))
		if h < -1 || int64(h) >= int64(fieldCount) {
			return nil, fmt.Errorf("%w: hash bucket %d points to field %d of %d", ErrCorrupt, i, h, fieldCount)
		}
	}
	data := b[dataOff:]
	m.Fields = make([]Field, fieldCount)
	var expectOff uint64
	for i := range m.Fields {
		fh := b[HeaderSize+FieldHeaderSize*i:]
		if err := parseField(&m.Fields[i], fh, data, i, fieldCount, &expectOff); err != nil {
			return nil, err
		}
	}
	if expectOff != dataSize {
		return nil, fmt.Errorf("%w: fields use %d of %d data bytes", ErrCorrupt, expectOff, dataSize)
	}
	return m, nil
}

// parseField decodes field header i (fh) and its data. Fields must lie
// back to back in header order (as Haiku keeps them); *off is where this
// one must start and is advanced past it.
func parseField(f *Field, fh, data []byte, i int, fieldCount uint64, off *uint64) error {
	le := binary.LittleEndian
	flags := le.Uint16(fh)
	nameLen := uint64(le.Uint16(fh[2:]))
	f.Type = le.Uint32(fh[4:])
	count := uint64(le.Uint32(fh[8:]))
	size := uint64(le.Uint32(fh[12:]))
	start := uint64(le.Uint32(fh[16:]))
	next := int32(le.Uint32(fh[20:]))
	if flags&fieldFlagValid == 0 || flags&^(fieldFlagValid|fieldFlagFixedSize) != 0 {
		return fmt.Errorf("%w: field %d: flags 0x%x", ErrCorrupt, i, flags)
	}
	f.Fixed = flags&fieldFlagFixedSize != 0
	if next < -1 || int64(next) >= int64(fieldCount) {
		return fmt.Errorf("%w: field %d: next field %d of %d", ErrCorrupt, i, next, fieldCount)
	}
	if start != *off {
		return fmt.Errorf("%w: field %d: data at offset %d, expected %d", ErrCorrupt, i, start, *off)
	}
	end := start + nameLen + size
	if nameLen == 0 || end > uint64(len(data)) {
		return fmt.Errorf("%w: field %d: name of %d and data of %d bytes at offset %d exceed the data area of %d bytes",
			ErrCorrupt, i, nameLen, size, start, len(data))
	}
	name := data[start : start+nameLen]
	if name[nameLen-1] != 0 {
		return fmt.Errorf("%w: field %d: name is not NUL-terminated", ErrCorrupt, i)
	}
	for _, c := range name[:nameLen-1] {
		if c == 0 {
			return fmt.Errorf("%w: field %d: name contains NUL", ErrCorrupt, i)
		}
	}
	f.Name = string(name[:nameLen-1])
	items := data[start+nameLen : end]
	if count == 0 {
		return fmt.Errorf("%w: field %q: no items", ErrCorrupt, f.Name)
	}
	if f.Fixed {
		// Each item takes at least one byte: a field of zero-size items
		// would make count (up to 2^32) slice headers out of nothing.
		if count > size {
			return fmt.Errorf("%w: field %q: %d fixed-size items do not fit in %d bytes", ErrCorrupt, f.Name, count, size)
		}
		if size%count != 0 {
			return fmt.Errorf("%w: field %q: %d bytes do not split into %d fixed-size items", ErrCorrupt, f.Name, size, count)
		}
		isz := size / count
		f.Items = make([][]byte, count)
		for j := range f.Items {
			f.Items[j] = items[uint64(j)*isz : uint64(j+1)*isz : uint64(j+1)*isz]
		}
	} else {
		// Each item takes at least its 4-byte size.
		if count > size/4 {
			return fmt.Errorf("%w: field %q: %d items do not fit in %d bytes", ErrCorrupt, f.Name, count, size)
		}
		f.Items = make([][]byte, count)
		p := uint64(0)
		for j := range f.Items {
			if size-p < 4 {
				return fmt.Errorf("%w: field %q: item %d: size runs past the field's data", ErrCorrupt, f.Name, j)
			}
			n := uint64(le.Uint32(items[p:]))
			p += 4
			if n > size-p {
				return fmt.Errorf("%w: field %q: item %d of %d bytes runs past the field's data", ErrCorrupt, f.Name, j, n)
			}
			f.Items[j] = items[p : p+n : p+n]
			p += n
		}
		if p != size {
			return fmt.Errorf("%w: field %q: %d bytes left after %d items", ErrCorrupt, f.Name, size-p, count)
		}
	}
	*off = end
	return nil
}
