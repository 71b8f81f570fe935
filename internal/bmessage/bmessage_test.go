package bmessage

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// fixtureInfo returns the repository-info message embedded in the real repo
// fixture: the first info_length bytes of its heap, whose first chunk is a
// zlib stream right after the 72-byte header (FORMATS.md §2.1).
func fixtureInfo(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	infoLen := binary.BigEndian.Uint32(b[40:])
	zr, err := zlib.NewReader(bytes.NewReader(b[72:]))
	if err != nil {
		t.Fatal(err)
	}
	info := make([]byte, infoLen)
	if _, err := io.ReadFull(zr, info); err != nil {
		t.Fatal(err)
	}
	return info
}

func TestFixtureRoundTrip(t *testing.T) {
	raw := fixtureInfo(t)
	m, err := Unflatten(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		typ  uint32
		val  string
	}{
		{"class", TypeString, ""},
		{"name", TypeString, "HaikuPorts"},
		{"url", TypeString, "http://haiku-files.org/files/repo/9818164862edcbf69404a90267090b9d595908a11941951e904dfc6244c3d566"},
		{"vendor", TypeString, "Haiku Project"},
		{"summary", TypeString, "The HaikuPorts repository"},
		{"priority", TypeUint8, "\x01"},
		{"architecture", TypeUint8, "\x01"},
	}
	if len(m.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(m.Fields), len(want))
	}
	for i, w := range want {
		f := m.Fields[i]
		if f.Name != w.name || f.Type != w.typ || len(f.Items) != 1 {
			t.Errorf("field %d = %q %s ×%d, want %q %s", i, f.Name, TypeString4(f.Type), len(f.Items), w.name, TypeString4(w.typ))
			continue
		}
		got := string(f.Items[0])
		if w.typ == TypeString {
			got, err = m.String(w.name)
			if err != nil {
				t.Error(err)
			}
		}
		if got != w.val {
			t.Errorf("%s = %q, want %q", w.name, got, w.val)
		}
	}
	if m.What != 0 || m.Header != New(0).Header {
		t.Errorf("header what=%d %v, want a fresh message's", m.What, m.Header)
	}
	out, err := m.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, raw) {
		t.Fatalf("re-flattened message differs from the fixture's:\n got %x\nwant %x", out, raw)
	}
	// Built from scratch the same way RepositoryInfo::Archive does, it is
	// also identical.
	n := New(0)
	for _, w := range want {
		if w.typ == TypeString {
			err = n.AddString(w.name, w.val)
		} else {
			err = n.AddUint8(w.name, w.val[0])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	out2, err := n.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out2, raw) {
		t.Fatalf("message built with AddString/AddUint8 differs from the fixture's")
	}
}

func TestHashBuckets(t *testing.T) {
	// FORMATS.md §2.3 lists the bucket of each repository-info field.
	for name, want := range map[string]uint32{
		"class": 0, "vendor": 0, "name": 2, "url": 2, "identifier": 2, "architecture": 2,
		"summary": 3, "baseUrl": 3, "priority": 4,
	} {
		if got := hashName(name) % HashTableSize; got != want {
			t.Errorf("bucket(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestMultiItemRoundTrip(t *testing.T) {
	m := New(0x12345678)
	for _, s := range []string{"MIT", "GNU GPL v2", "caf\xc3\xa9 \xff"} {
		if err := m.AddString("licenseName", s); err != nil {
			t.Fatal(err)
		}
		if err := m.AddString("licenseText", s+" text"); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.AddUint8("priority", 7); err != nil {
		t.Fatal(err)
	}
	if err := m.AddUint8("priority", 9); err != nil {
		t.Fatal(err)
	}
	if err := m.AddUint8("licenseName", 1); !errors.Is(err, ErrWrongType) {
		t.Errorf("adding a uint8 to a string field: %v, want ErrWrongType", err)
	}
	b, err := m.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != m.FlattenedSize() {
		t.Errorf("FlattenedSize %d, Flatten wrote %d", m.FlattenedSize(), len(b))
	}
	m2, err := Unflatten(b)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := m2.Strings("licenseName")
	if len(names) != 3 || names[2] != "caf\xc3\xa9 \xff" {
		t.Errorf("licenseName = %q", names)
	}
	if p := m2.Field("priority"); p == nil || len(p.Items) != 2 || p.Items[1][0] != 9 {
		t.Errorf("priority = %+v", p)
	}
	b2, _ := m2.Flatten()
	if !bytes.Equal(b, b2) {
		t.Error("second flatten differs")
	}
	if _, err := m2.Uint8("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing field: %v", err)
	}
	if _, err := m2.String("priority"); !errors.Is(err, ErrWrongType) {
		t.Errorf("wrong type: %v", err)
	}
}

func TestFlattenRejects(t *testing.T) {
	for name, m := range map[string]*Message{
		"no items":     {Fields: []Field{{Name: "a", Type: TypeString}}},
		"nul in name":  {Fields: []Field{{Name: "a\x00b", Type: TypeString, Items: [][]byte{{0}}}}},
		"fixed uneven": {Fields: []Field{{Name: "a", Type: TypeUint8, Fixed: true, Items: [][]byte{{1}, {1, 2}}}}},
	} {
		if _, err := m.Flatten(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestUnflattenBadInput(t *testing.T) {
	raw := fixtureInfo(t)
	// Every truncation and every single-byte corruption is rejected or
	// parsed without panicking; truncations are always rejected.
	for n := 0; n < len(raw); n++ {
		if _, err := Unflatten(raw[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	for i := range raw {
		for _, v := range []byte{0, 0xff, raw[i] ^ 1, raw[i] + 0x80} {
			c := bytes.Clone(raw)
			c[i] = v
			if m, err := Unflatten(c); err == nil {
				if _, err := m.Flatten(); err != nil {
					t.Errorf("byte %d = %#x: unflattened but cannot flatten: %v", i, v, err)
				}
			}
		}
	}
	le := binary.LittleEndian
	set := func(off int, v uint32) []byte {
		c := bytes.Clone(raw)
		le.PutUint32(c[off:], v)
		return c
	}
	field := func(i, off int) int { return HeaderSize + FieldHeaderSize*i + off }
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"wrong magic", set(0, 0x31464d47), ErrFormat},
		{"huge field count", set(40, 0xffffffff), ErrCorrupt},
		{"data size lies", set(36, 0x10000), ErrCorrupt},
		{"hash size", set(44, 6), ErrCorrupt},
		{"hash bucket out of range", set(48, 7), ErrCorrupt},
		{"bad offset", set(field(1, 16), 1), ErrCorrupt},
		{"offset far out", set(field(6, 16), 0xfffffff0), ErrCorrupt},
		{"data size of field too big", set(field(0, 12), 0xffffffff), ErrCorrupt},
		{"count too big", set(field(1, 8), 0x7fffffff), ErrCorrupt},
		{"count zero", set(field(5, 8), 0), ErrCorrupt},
		{"next out of range", set(field(2, 20), 7), ErrCorrupt},
		{"item size lies", set(HeaderSize+FieldHeaderSize*7+6, 0xfffffff0), ErrCorrupt},
	} {
		_, err := Unflatten(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func FuzzUnflatten(f *testing.F) {
	f.Add(fixtureInfo(f))
	m := New(1)
	m.AddString("licenseName", "MIT")
	m.AddString("licenseName", "BSD")
	m.AddUint8("x", 3)
	b, _ := m.Flatten()
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Unflatten(in)
		if err != nil {
			return
		}
		out, err := m.Flatten()
		if err != nil {
			t.Fatalf("unflattened but cannot flatten: %v", err)
		}
		m2, err := Unflatten(out)
		if err != nil {
			t.Fatalf("re-flattened message does not parse: %v", err)
		}
		out2, _ := m2.Flatten()
		if !bytes.Equal(out, out2) {
			t.Fatal("flatten is not stable")
		}
	})
}

// zeroSizeItems is a message with one fixed-size field of count items and
// no data: a 96-byte allocation bomb for a parser that trusts count.
func zeroSizeItems(count uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, HeaderSize+FieldHeaderSize+2)
	le.PutUint32(b, Format)
	le.PutUint32(b[8:], FlagValid)
	le.PutUint32(b[36:], 2) // data: the name "x\0"
	le.PutUint32(b[40:], 1)
	le.PutUint32(b[44:], HashTableSize)
	for i := range HashTableSize {
		le.PutUint32(b[48+4*i:], 0xffffffff)
	}
	fh := b[HeaderSize:]
	le.PutUint16(fh, fieldFlagValid|fieldFlagFixedSize)
	le.PutUint16(fh[2:], 2)
	le.PutUint32(fh[4:], TypeUint8)
	le.PutUint32(fh[8:], count)
	le.PutUint32(fh[20:], 0xffffffff)
	copy(b[HeaderSize+FieldHeaderSize:], "x\x00")
	return b
}

// A fixed-size field of size 0 with 2^32-1 items used to make 4 G slice
// headers (96 GiB): now it is an error that costs almost nothing.
func TestUnflattenZeroSizeItemsBomb(t *testing.T) {
	for _, count := range []uint32{1, 2, 1 << 20, 0xffffffff} {
		in := zeroSizeItems(count)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Unflatten(in)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "do not fit") {
			t.Errorf("count %d: %v, want ErrCorrupt (do not fit)", count, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Errorf("count %d: rejecting a %d-byte message allocated %d bytes", count, len(in), grew)
		}
	}
}
