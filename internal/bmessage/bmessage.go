// Package bmessage reads and writes Haiku's flattened BMessage format
// (the "HMF1" format of src/kits/app/Message.cpp), which HPKR repository
// files use to embed their repository info (FORMATS.md §2.3).
//
// A flattened message is a 68-byte header, one 24-byte header per field and
// a data area. All numbers are little-endian (Haiku flattens in host order
// and every Haiku platform that builds repositories is little-endian).
// Each field's data is its NUL-terminated name followed by its items:
// fixed-size items packed back to back, variable-size items each as a u32
// size and the bytes. Fields are also linked into a 5-bucket hash table by
// name; Flatten computes that table exactly as Haiku does, so a message
// unflattened from Haiku's output flattens back to the same bytes.
package bmessage

import (
	"errors"
	"fmt"
)

// Type codes used by repository info messages.
const (
	TypeString uint32 = 0x43535452 // 'CSTR', variable size, NUL included
	TypeUint8  uint32 = 0x55425954 // 'UBYT', fixed size 1
)

// Format is the u32 at offset 0 of a flattened message ('1FMH' read as a
// little-endian number, so the bytes read "HMF1").
const Format uint32 = 0x31464d48

// Sizes of the parts of a flattened message.
const (
	HeaderSize      = 68
	FieldHeaderSize = 24
	HashTableSize   = 5
)

// Header flag MESSAGE_FLAG_VALID, set on every message Haiku flattens.
const FlagValid uint32 = 1

// Field flags.
const (
	fieldFlagValid     = 1
	fieldFlagFixedSize = 2
)

// Errors returned by this package wrap one of these.
var (
	ErrFormat    = errors.New("bmessage: not a flattened BMessage")
	ErrCorrupt   = errors.New("bmessage: corrupt message")
	ErrNotFound  = errors.New("bmessage: field not found")
	ErrWrongType = errors.New("bmessage: field has another type")
)

// Field is one named field: a type code and one or more items.
// Fixed marks fields whose items all have the same size and are stored
// without size prefixes (Haiku sets it for numbers, not for strings).
type Field struct {
	Name  string
	Type  uint32
	Fixed bool
	Items [][]byte
}

// Message is an unflattened BMessage. Fields keep the order in which they
// were added (which is the order of their headers and data when flattened).
//
// Header holds the header words Haiku writes but kiln has no use for
// (flags, target, current_specifier, message_area, reply_port,
// reply_target, reply_team); New fills them as a fresh Haiku message has
// them, and Unflatten keeps what it read so Flatten can reproduce it.
type Message struct {
	What   uint32
	Header [7]uint32
	Fields []Field
}

// New returns an empty message with the given what code and the header
// values of a message Haiku created and never sent: flags VALID, every id -1.
func New(what uint32) *Message {
	m := &Message{What: what}
	m.Header[0] = FlagValid
	for i := 1; i < len(m.Header); i++ {
		m.Header[i] = 0xffffffff
	}
	return m
}

// Field returns the field called name, or nil.
func (m *Message) Field(name string) *Field {
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			return &m.Fields[i]
		}
	}
	return nil
}

// add appends an item to the field name, creating it at the end if needed.
func (m *Message) add(name string, typ uint32, fixed bool, item []byte) error {
	if f := m.Field(name); f != nil {
		if f.Type != typ {
			return fmt.Errorf("%w: %q is %s, not %s", ErrWrongType, name, TypeString4(f.Type), TypeString4(typ))
		}
		f.Items = append(f.Items, item)
		return nil
	}
	m.Fields = append(m.Fields, Field{Name: name, Type: typ, Fixed: fixed, Items: [][]byte{item}})
	return nil
}

// AddString appends a string item (type CSTR) to the field name.
func (m *Message) AddString(name, s string) error {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return m.add(name, TypeString, false, b)
}

// AddUint8 appends a uint8 item (type UBYT) to the field name.
func (m *Message) AddUint8(name string, v uint8) error {
	return m.add(name, TypeUint8, true, []byte{v})
}

// Strings returns every item of the string field name; nil, nil if the
// field does not exist.
func (m *Message) Strings(name string) ([]string, error) {
	f := m.Field(name)
	if f == nil {
		return nil, nil
	}
	if f.Type != TypeString {
		return nil, fmt.Errorf("%w: %q is %s, not CSTR", ErrWrongType, name, TypeString4(f.Type))
	}
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		if len(it) == 0 || it[len(it)-1] != 0 {
			return nil, fmt.Errorf("%w: string %q[%d] is not NUL-terminated", ErrCorrupt, name, i)
		}
		out[i] = string(it[:len(it)-1])
	}
	return out, nil
}

// String returns the first item of the string field name.
func (m *Message) String(name string) (string, error) {
	s, err := m.Strings(name)
	if err != nil {
		return "", err
	}
	if len(s) == 0 {
		return "", fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return s[0], nil
}

// Uint8 returns the first item of the uint8 field name.
func (m *Message) Uint8(name string) (uint8, error) {
	f := m.Field(name)
	if f == nil {
		return 0, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if f.Type != TypeUint8 {
		return 0, fmt.Errorf("%w: %q is %s, not UBYT", ErrWrongType, name, TypeString4(f.Type))
	}
	if len(f.Items[0]) != 1 {
		return 0, fmt.Errorf("%w: uint8 %q has %d bytes", ErrCorrupt, name, len(f.Items[0]))
	}
	return f.Items[0][0], nil
}

// TypeString4 renders a type code as its four characters when printable
// ('CSTR'), else in hex.
func TypeString4(t uint32) string {
	b := []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("0x%08x", t)
		}
	}
	return "'" + string(b) + "'"
}
