package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/haikuports/kiln/internal/store"
)

// onlyReader hides every method but Read (no Seek, no WriterTo, no Len),
// as a network stream would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// LargeSize is the size of the large-object tests: more than two 5 MiB
// parts, not a multiple of a part.
const LargeSize = 12<<20 + 12345

func testLarge(t *testing.T, s store.Store, o Options) {
	data := Data(2, LargeSize)
	put(t, s, "large/object.bin", data, store.PutOptions{})
	got, info := get(t, s, "large/object.bin", store.GetOptions{})
	if sha256.Sum256(got) != sha256.Sum256(data) || info.Size != LargeSize {
		t.Fatalf("large object: got %d bytes (info.Size %d), content differs", len(got), info.Size)
	}
	// A range across the 5 MiB and 8 MiB boundaries.
	off := int64(5<<20 - 1000)
	got, _ = get(t, s, "large/object.bin", store.GetOptions{Offset: off, Length: 4 << 20})
	if !bytes.Equal(got, data[off:off+4<<20]) {
		t.Fatal("range across part boundaries differs")
	}
}

func testUnknownSize(t *testing.T, s store.Store, o Options) {
	for _, n := range []int{0, 100, LargeSize} {
		data := Data(uint64(n), n)
		info, err := s.Put(ctx(t), "unknown", onlyReader{bytes.NewReader(data)}, -1, store.PutOptions{})
		if err != nil {
			t.Fatalf("Put of %d bytes of unknown size: %v", n, err)
		}
		if info.Size != int64(n) {
			t.Fatalf("Put of unknown size: info.Size = %d, want %d", info.Size, n)
		}
		got, _ := get(t, s, "unknown", store.GetOptions{})
		if !bytes.Equal(got, data) {
			t.Fatalf("unknown size %d: got %d bytes, content differs", n, len(got))
		}
		// A seekable body of unknown size: read from where it stands.
		r := bytes.NewReader(append([]byte("skip"), data...))
		r.Seek(4, io.SeekStart)
		if info, err = s.Put(ctx(t), "unknown-seekable", r, -1, store.PutOptions{}); err != nil {
			t.Fatalf("Put of %d bytes of unknown size from a bytes.Reader: %v", n, err)
		}
		if info.Size != int64(n) {
			t.Fatalf("Put of unknown size from a bytes.Reader: info.Size = %d, want %d", info.Size, n)
		}
		if got, _ := get(t, s, "unknown-seekable", store.GetOptions{}); !bytes.Equal(got, data) {
			t.Fatalf("unknown size %d from a bytes.Reader: got %d bytes, content differs", n, len(got))
		}
	}
}

type failingReader struct {
	r     io.Reader
	after int
}

var errReader = errors.New("reader broke")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errReader
	}
	p = p[:min(len(p), f.after)]
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

func testBadReader(t *testing.T, s store.Store, o Options) {
	data := Data(3, 7<<20)
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"short", bytes.NewReader(data[:1000]), 2000},
		{"failing", &failingReader{bytes.NewReader(data), 1000}, 2000},
		{"failing unknown size", &failingReader{bytes.NewReader(data), 6 << 20}, -1},
		{"failing large", &failingReader{bytes.NewReader(data), 6 << 20}, 7 << 20},
		// A body that breaks off like a truncated download: its own
		// io.ErrUnexpectedEOF must not pass for the end of the body.
		{"cut short", onlyReader{io.MultiReader(bytes.NewReader(data[:1000]), errorReader{io.ErrUnexpectedEOF})}, -1},
		{"cut short with size", onlyReader{io.MultiReader(bytes.NewReader(data[:1000]), errorReader{io.ErrUnexpectedEOF})}, 2000},
		{"cut short large", onlyReader{io.MultiReader(bytes.NewReader(data[:6<<20]), errorReader{io.ErrUnexpectedEOF})}, -1},
	} {
		if _, err := s.Put(ctx(t), "bad", tc.r, tc.size, store.PutOptions{}); err == nil {
			t.Errorf("%s reader: Put succeeded", tc.name)
		}
		_, err := s.Stat(ctx(t), "bad")
		wantErr(t, tc.name+" reader: Stat after failed Put", err, store.ErrNotFound)
	}
	// A failed overwrite keeps the old content.
	put(t, s, "bad", []byte("old"), store.PutOptions{})
	if _, err := s.Put(ctx(t), "bad", &failingReader{bytes.NewReader(data), 100}, -1, store.PutOptions{}); err == nil {
		t.Fatal("failing overwrite succeeded")
	}
	if got, _ := get(t, s, "bad", store.GetOptions{}); string(got) != "old" {
		t.Fatalf("after failed overwrite: %q", got)
	}
}

// cancelReader cancels its context after n bytes.
type cancelReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel() // and go on reading: the store must notice by itself
		return c.r.Read(p)
	}
	n, err := c.r.Read(p[:min(len(p), c.n)])
	c.n -= n
	return n, err
}

func testContextCanceled(t *testing.T, s store.Store, o Options) {
	put(t, s, "c/exists", []byte("x"), store.PutOptions{})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(canceled, "c/new", bytes.NewReader([]byte("x")), 1, store.PutOptions{}); err == nil {
		t.Error("Put with a canceled context succeeded")
	}
	if _, _, err := s.Get(canceled, "c/exists", store.GetOptions{}); err == nil {
		t.Error("Get with a canceled context succeeded")
	}
	if _, err := s.Stat(canceled, "c/exists"); err == nil {
		t.Error("Stat with a canceled context succeeded")
	}
	if err := s.List(canceled, "", "", func(store.ObjectInfo) error { return nil }); err == nil {
		t.Error("List with a canceled context succeeded")
	}
	// Canceled in the middle of a streaming upload: no object.
	for _, size := range []int64{-1, LargeSize} {
		c, cancel := context.WithCancel(ctx(t))
		r := &cancelReader{bytes.NewReader(Data(4, LargeSize)), 6 << 20, cancel}
		_, err := s.Put(c, "c/new", onlyReader{r}, size, store.PutOptions{})
		cancel()
		if err == nil {
			t.Errorf("size %d: Put canceled midway succeeded", size)
		}
		_, err = s.Stat(ctx(t), "c/new")
		wantErr(t, "Stat after canceled Put", err, store.ErrNotFound)
	}
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
