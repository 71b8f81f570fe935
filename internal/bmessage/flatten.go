package bmessage

import (
	"encoding/binary"
	"fmt"
	"math"
)

// hashName is BMessage::_HashName: each byte is a signed char, so bytes
// ≥ 0x80 are sign-extended before the XOR.
func hashName(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = (h << 7) ^ (h >> 24)
		h ^= uint32(int32(int8(name[i])))
	}
	h ^= h << 12
	return h
}

// FlattenedSize returns the number of bytes Flatten produces.
func (m *Message) FlattenedSize() int {
	n := HeaderSize + FieldHeaderSize*len(m.Fields)
	for i := range m.Fields {
		n += m.Fields[i].dataSize() + len(m.Fields[i].Name) + 1
	}
	return n
}

// dataSize is the field's data_size: its items, name not counted.
func (f *Field) dataSize() int {
	n := 0
	for _, it := range f.Items {
		if !f.Fixed {
			n += 4
		}
		n += len(it)
	}
	return n
}

func (f *Field) check() error {
	if len(f.Items) == 0 {
		return fmt.Errorf("%w: field %q has no items", ErrCorrupt, f.Name)
	}
	if len(f.Name)+1 > math.MaxUint16 {
		return fmt.Errorf("%w: field name of %d bytes is too long", ErrCorrupt, len(f.Name))
	}
	for i := 0; i < len(f.Name); i++ {
		if f.Name[i] == 0 {
			return fmt.Errorf("%w: field name %q contains NUL", ErrCorrupt, f.Name)
		}
	}
	if f.Fixed {
		for i, it := range f.Items {
			if len(it) != len(f.Items[0]) {
				return fmt.Errorf("%w: fixed-size field %q: item %d has %d bytes, item 0 has %d",
					ErrCorrupt, f.Name, i, len(it), len(f.Items[0]))
			}
		}
	}
	return nil
}

// Flatten returns the message in Haiku's flattened format. It fails only
// for messages Haiku could not hold (a field without items, a fixed-size
// field with items of different sizes, names with NUL, sizes over 4 GiB).
func (m *Message) Flatten() ([]byte, error) {
	return m.AppendFlatten(nil)
}

// AppendFlatten appends the flattened message to dst.
func (m *Message) AppendFlatten(dst []byte) ([]byte, error) {
	for i := range m.Fields {
		if err := m.Fields[i].check(); err != nil {
			return dst, err
		}
	}
	size := m.FlattenedSize()
	if size > math.MaxUint32 || len(m.Fields) > math.MaxInt32 {
		return dst, fmt.Errorf("%w: message of %d bytes is too large", ErrCorrupt, size)
	}
	le := binary.LittleEndian
	dataSize := size - HeaderSize - FieldHeaderSize*len(m.Fields)

	var hash [HashTableSize]int32
	for i := range hash {
		hash[i] = -1
	}
	next := make([]int32, len(m.Fields))
	last := [HashTableSize]int{-1, -1, -1, -1, -1}
	for i := range m.Fields {
		next[i] = -1
		b := hashName(m.Fields[i].Name) % HashTableSize
		if last[b] < 0 {
			hash[b] = int32(i)
		} else {
			next[last[b]] = int32(i)
		}
		last[b] = i
	}

	dst = le.AppendUint32(dst, Format)
	dst = le.AppendUint32(dst, m.What)
	for _, v := range m.Header {
		dst = le.AppendUint32(dst, v)
	}
	dst = le.AppendUint32(dst, uint32(dataSize))
	dst = le.AppendUint32(dst, uint32(len(m.Fields)))
	dst = le.AppendUint32(dst, HashTableSize)
	for _, h := range hash {
		dst = le.AppendUint32(dst, uint32(h))
	}

	offset := 0
	for i := range m.Fields {
		f := &m.Fields[i]
		flags := uint16(fieldFlagValid)
		if f.Fixed {
			flags |= fieldFlagFixedSize
		}
		dst = le.AppendUint16(dst, flags)
		dst = le.AppendUint16(dst, uint16(len(f.Name)+1))
		dst = le.AppendUint32(dst, f.Type)
		dst = le.AppendUint32(dst, uint32(len(f.Items)))
		ds := f.dataSize()
		dst = le.AppendUint32(dst, uint32(ds))
		dst = le.AppendUint32(dst, uint32(offset))
		dst = le.AppendUint32(dst, uint32(next[i]))
		offset += len(f.Name) + 1 + ds
	}
	for i := range m.Fields {
		f := &m.Fields[i]
		dst = append(dst, f.Name...)
		dst = append(dst, 0)
		for _, it := range f.Items {
			if !f.Fixed {
				dst = le.AppendUint32(dst, uint32(len(it)))
			}
			dst = append(dst, it...)
		}
	}
	return dst, nil
}
