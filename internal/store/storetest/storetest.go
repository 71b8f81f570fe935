// Package storetest is the conformance suite every store.Store backend
// must pass: Run(t, newStore) with a constructor that returns a fresh,
// empty store for each subtest.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// Options describe known deviations of a server from S3 that the suite
// tolerates. Real backends (file, versitygw, AWS) need none.
type Options struct {
	// MultipartETagDiffers: the ETag the server reports for a multipart
	// object differs from the one CompleteMultipartUpload returned
	// (gofakes3), so a compare-and-swap must Stat first.
	MultipartETagDiffers bool
}

// Run runs every conformance test against the stores newStore returns.
// Each subtest calls newStore once.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	RunWith(t, Options{}, newStore)
}

// RunWith is Run for a server with the deviations o.
func RunWith(t *testing.T, o Options, newStore func(t *testing.T) store.Store) {
	run(t, o, newStore, all)
}

// RunBasics runs the single-writer tests (no races, no failing readers,
// no cancellation): what must still pass through a faulty network once
// WithRetry is in place.
func RunBasics(t *testing.T, o Options, newStore func(t *testing.T) store.Store) {
	run(t, o, newStore, basics)
}

type conformanceTest struct {
	name string
	fn   func(t *testing.T, s store.Store, o Options)
}

var basics = []conformanceTest{
	{"PutGetStatDelete", testPutGetStatDelete},
	{"EmptyObject", testEmptyObject},
	{"Ranges", testRanges},
	{"LargeObject", testLarge},
	{"UnknownSize", testUnknownSize},
	{"List", testList},
	{"CreateIfAbsent", testCreateIfAbsent},
	{"IfMatch", testIfMatch},
	{"Copy", testCopy},
}

func run(t *testing.T, o Options, newStore func(t *testing.T) store.Store, tests []conformanceTest) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t), o)
		})
	}
}

var all = []conformanceTest{
	{"PutGetStatDelete", testPutGetStatDelete},
	{"EmptyObject", testEmptyObject},
	{"Ranges", testRanges},
	{"LargeObject", testLarge},
	{"UnknownSize", testUnknownSize},
	{"BadReader", testBadReader},
	{"List", testList},
	{"ListMany", testListMany},
	{"CreateIfAbsent", testCreateIfAbsent},
	{"IfMatch", testIfMatch},
	{"Copy", testCopy},
	{"Presign", testPresign},
	{"InvalidKeys", testInvalidKeys},
	{"ContextCanceled", testContextCanceled},
	{"RaceCreateIfAbsent", testRaceCreate},
	{"RaceCompareAndSwap", testRaceCAS},
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// Data returns n deterministic pseudo-random bytes for seed.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s store.Store, key string, data []byte, opts store.PutOptions) store.ObjectInfo {
	t.Helper()
	info, err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if info.Key != key || info.Size != int64(len(data)) || info.ETag == "" {
		t.Fatalf("Put(%q) info = %+v, want key, size %d and an ETag", key, info, len(data))
	}
	return info
}

func get(t *testing.T, s store.Store, key string, opts store.GetOptions) ([]byte, store.ObjectInfo) {
	t.Helper()
	rc, info, err := s.Get(ctx(t), key, opts)
	if err != nil {
		t.Fatalf("Get(%q, %+v): %v", key, opts, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): reading: %v", key, err)
	}
	return b, info
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func testPutGetStatDelete(t *testing.T, s store.Store, o Options) {
	data := []byte("hello, kiln\n")
	pi := put(t, s, "dir/sub/hello.txt", data, store.PutOptions{ContentType: "text/plain"})
	got, gi := get(t, s, "dir/sub/hello.txt", store.GetOptions{})
	if !bytes.Equal(got, data) {
		t.Fatalf("Get = %q, want %q", got, data)
	}
	si, err := s.Stat(ctx(t), "dir/sub/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []store.ObjectInfo{gi, si} {
		if i.Key != pi.Key || i.Size != pi.Size || i.ETag != pi.ETag || i.IsPrefix {
			t.Fatalf("info %+v, want %+v", i, pi)
		}
		if i.Modified.IsZero() || time.Since(i.Modified) > time.Hour || time.Until(i.Modified) > time.Hour {
			t.Fatalf("Modified = %v, not now", i.Modified)
		}
	}
	p2 := put(t, s, "dir/sub/hello.txt", []byte("replaced"), store.PutOptions{})
	if p2.ETag == pi.ETag {
		t.Fatalf("overwrite kept ETag %s", pi.ETag)
	}
	if got, _ := get(t, s, "dir/sub/hello.txt", store.GetOptions{}); string(got) != "replaced" {
		t.Fatalf("after overwrite Get = %q", got)
	}
	if err := s.Delete(ctx(t), "dir/sub/hello.txt"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(ctx(t), "dir/sub/hello.txt")
	wantErr(t, "Stat after Delete", err, store.ErrNotFound)
	_, _, err = s.Get(ctx(t), "dir/sub/hello.txt", store.GetOptions{})
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	_, _, err = s.Get(ctx(t), "dir/sub/hello.txt", store.GetOptions{Offset: 2, Length: 3})
	wantErr(t, "ranged Get after Delete", err, store.ErrNotFound)
	if err := s.Delete(ctx(t), "dir/sub/hello.txt"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	_, err = s.Stat(ctx(t), "never/was")
	wantErr(t, "Stat of a missing key", err, store.ErrNotFound)
	var n int
	if err := s.List(ctx(t), "", "", func(store.ObjectInfo) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("List after Delete: %d entries, %v", n, err)
	}
}

func testEmptyObject(t *testing.T, s store.Store, o Options) {
	put(t, s, "empty", nil, store.PutOptions{})
	got, info := get(t, s, "empty", store.GetOptions{})
	if len(got) != 0 || info.Size != 0 {
		t.Fatalf("empty object: %d bytes, info %+v", len(got), info)
	}
}

func testRanges(t *testing.T, s store.Store, o Options) {
	data := Data(1, 1000)
	put(t, s, "r", data, store.PutOptions{})
	for _, tc := range []struct{ off, n, from, to int64 }{
		{0, 0, 0, 1000},
		{0, -1, 0, 1000},
		{0, 1, 0, 1},
		{10, 20, 10, 30},
		{990, 0, 990, 1000},
		{990, 100, 990, 1000},
		{999, 1, 999, 1000},
		{0, 1000, 0, 1000},
		{500, 0, 500, 1000},
	} {
		got, info := get(t, s, "r", store.GetOptions{Offset: tc.off, Length: tc.n})
		if !bytes.Equal(got, data[tc.from:tc.to]) {
			t.Errorf("range %d+%d: got %d bytes, want bytes %d..%d", tc.off, tc.n, len(got), tc.from, tc.to)
		}
		if info.Size != 1000 {
			t.Errorf("range %d+%d: info.Size = %d, want the object's size 1000", tc.off, tc.n, info.Size)
		}
	}
	for _, off := range []int64{1000, 5000} {
		_, _, err := s.Get(ctx(t), "r", store.GetOptions{Offset: off, Length: 10})
		wantErr(t, fmt.Sprintf("Get at offset %d of 1000", off), err, store.ErrInvalidRange)
	}
}
