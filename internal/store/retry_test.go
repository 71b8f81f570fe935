package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/store/storetest"
)

// flaky fails the first n calls of every operation with err, then
// delegates to a file store.
type flaky struct {
	store.Store
	err   error
	n     int
	calls map[string]int
}

func (f *flaky) fail(op string) error {
	f.calls[op]++
	if f.calls[op] <= f.n {
		return fmt.Errorf("flaky %s: %w", op, f.err)
	}
	return nil
}

func (f *flaky) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := f.fail("stat"); err != nil {
		return store.ObjectInfo{}, err
	}
	return f.Store.Stat(ctx, key)
}

func (f *flaky) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.ObjectInfo, error) {
	if err := f.fail("put"); err != nil {
		io.CopyN(io.Discard, r, 2) // a failing upload consumed some body
		return store.ObjectInfo{}, err
	}
	return f.Store.Put(ctx, key, r, size, opts)
}

func (f *flaky) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	failAfter := f.calls["list"] < f.n
	n := 0
	err := f.Store.List(ctx, prefix, delim, func(o store.ObjectInfo) error {
		if n++; failAfter && n == 3 {
			return f.fail("list")
		}
		return fn(o)
	})
	if err == nil && !failAfter {
		f.calls["list"]++
	}
	return err
}

func newFlaky(t *testing.T, err error, n int) *flaky {
	return &flaky{Store: newFile(t), err: err, n: n, calls: map[string]int{}}
}

var fastRetry = store.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func TestRetryTransient(t *testing.T) {
	ctx := t.Context()
	for _, transient := range []error{syscall.ECONNRESET, syscall.ECONNREFUSED} {
		f := newFlaky(t, transient, 2)
		s := store.WithRetry(f, fastRetry)
		if _, err := s.Put(ctx, "k", strings.NewReader("hello"), 5, store.PutOptions{}); err != nil {
			t.Fatalf("%v: Put: %v", transient, err)
		}
		// The body was rewound before each retry.
		info, err := s.Stat(ctx, "k")
		if err != nil || info.Size != 5 {
			t.Fatalf("%v: Stat: %+v %v", transient, info, err)
		}
		if f.calls["put"] != 3 || f.calls["stat"] != 3 {
			t.Fatalf("%v: calls %v, want 3 puts and 3 stats", transient, f.calls)
		}
	}
	// Too many failures: the last error, wrapped.
	f := newFlaky(t, syscall.ECONNRESET, 10)
	_, err := store.WithRetry(f, fastRetry).Stat(ctx, "k")
	if !errors.Is(err, syscall.ECONNRESET) || f.calls["stat"] != 4 {
		t.Fatalf("after 4 attempts: %v, calls %v", err, f.calls)
	}
}

func TestRetryNever(t *testing.T) {
	ctx := t.Context()
	for _, permanent := range []error{store.ErrPreconditionFailed, store.ErrNotFound, store.ErrInvalidKey, store.ErrInvalidRange, errors.New("disk on fire")} {
		f := newFlaky(t, permanent, 1)
		s := store.WithRetry(f, fastRetry)
		_, err := s.Put(ctx, "k", strings.NewReader("x"), 1, store.PutOptions{})
		if !errors.Is(err, permanent) || f.calls["put"] != 1 {
			t.Errorf("%v: Put retried (%d calls): %v", permanent, f.calls["put"], err)
		}
	}
	// A body that cannot be rewound is never retried.
	f := newFlaky(t, syscall.ECONNRESET, 1)
	s := store.WithRetry(f, fastRetry)
	_, err := s.Put(ctx, "k", io.MultiReader(strings.NewReader("hello")), 5, store.PutOptions{})
	if !errors.Is(err, syscall.ECONNRESET) || f.calls["put"] != 1 {
		t.Fatalf("non-seekable Put: %d calls, %v", f.calls["put"], err)
	}
	// A done context stops the backoff.
	f = newFlaky(t, syscall.ECONNRESET, 100)
	slow := store.WithRetry(f, store.RetryPolicy{MaxAttempts: 100, BaseDelay: time.Hour})
	c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = slow.Stat(c, "k")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("canceled backoff: %v after %v", err, time.Since(start))
	}
}

func TestRetryListResumes(t *testing.T) {
	ctx := t.Context()
	f := newFlaky(t, syscall.ECONNRESET, 2)
	for i := range 6 {
		f.Store.Put(ctx, fmt.Sprintf("l/%d", i), strings.NewReader("x"), 1, store.PutOptions{})
	}
	var got []string
	err := store.WithRetry(f, fastRetry).List(ctx, "l/", "", func(o store.ObjectInfo) error {
		got = append(got, o.Key)
		return nil
	})
	if err != nil || strings.Join(got, " ") != "l/0 l/1 l/2 l/3 l/4 l/5" {
		t.Fatalf("List through failures: %q, %v", got, err)
	}
	// fn's own error is returned as is, not retried, even if it looks
	// transient.
	fnErr := fmt.Errorf("fn: %w", syscall.ECONNRESET)
	calls := 0
	err = store.WithRetry(f, fastRetry).List(ctx, "l/", "", func(store.ObjectInfo) error {
		calls++
		return fnErr
	})
	if err != fnErr || calls != 1 {
		t.Fatalf("fn error: %d calls, %v", calls, err)
	}
}

func TestRetryKeepsCapabilities(t *testing.T) {
	s := store.WithRetry(newFile(t), fastRetry)
	if _, ok := s.(store.Copier); !ok {
		t.Error("WithRetry(File) lost Copier")
	}
	if _, ok := s.(store.Presigner); ok {
		t.Error("WithRetry(File) gained Presigner")
	}
	if u, ok := s.(store.Unwrapper); !ok {
		t.Error("WithRetry(File) is not an Unwrapper")
	} else if _, ok := u.Unwrap().(*store.File); !ok {
		t.Errorf("Unwrap() = %T", u.Unwrap())
	}
	s3 := store.WithLogging(s3test.StartFake(t).Store(t, "caps"), slog.New(slog.DiscardHandler))
	if _, ok := s3.(store.Presigner); !ok {
		t.Error("WithLogging(S3) lost Presigner")
	}
	if _, ok := s3.(store.Copier); !ok {
		t.Error("WithLogging(S3) lost Copier")
	}
}

// Through a proxy that fails a fifth of the requests (errors, drops,
// delays, all before the server sees them), the basic conformance tests
// pass with WithRetry, and fail without it.
func TestRetryThroughFaultProxy(t *testing.T) {
	srv := s3test.StartVersity(t)
	proxy := s3test.StartFaultProxy(t, srv.Endpoint, s3test.Faults{
		Seed: 1, Errors: 0.12, Drops: 0.05, Delays: 0.1, Delay: 20 * time.Millisecond, Truncates: 0.1,
	})
	faulty := proxy.Through(srv)
	policy := store.RetryPolicy{MaxAttempts: 8, BaseDelay: 5 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
	var n int
	storetest.RunBasics(t, storetest.Options{}, func(t *testing.T) store.Store {
		n++
		// Requests inside an upload are retried by the SDK: give them the
		// same number of attempts.
		o := faulty.Options()
		o.PartAttempts = policy.MaxAttempts
		s, err := store.NewS3(t.Context(), faulty.Bucket, fmt.Sprintf("faulty%d/", n), o)
		if err != nil {
			t.Fatal(err)
		}
		return store.WithRetry(s, policy)
	})
	if proxy.Injected.Load() == 0 {
		t.Fatal("the proxy injected no faults")
	}
	t.Logf("%d requests, %d faults injected", proxy.Requests.Load(), proxy.Injected.Load())

	bare := faulty.Store(t, "bare/")
	failures := 0
	for range 40 {
		if _, err := bare.Stat(t.Context(), "missing"); !errors.Is(err, store.ErrNotFound) {
			failures++
		}
	}
	if failures == 0 {
		t.Fatal("without WithRetry, 40 requests through the faulty proxy all succeeded")
	}
}

// A GET body that breaks off is resumed from where it stopped.
func TestRetryResumesBrokenReads(t *testing.T) {
	srv := s3test.StartFake(t)
	data := storetest.Data(7, 3<<20+5)
	if _, err := srv.Store(t, "r/").Put(t.Context(), "obj", bytes.NewReader(data), int64(len(data)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	proxy := s3test.StartFaultProxy(t, srv.Endpoint, s3test.Faults{Seed: 3, Truncates: 0.5})
	faulty := proxy.Through(srv).Store(t, "r/")
	s := store.WithRetry(faulty, store.RetryPolicy{MaxAttempts: 20, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	for _, opts := range []store.GetOptions{{}, {Offset: 1000, Length: 2 << 20}, {Offset: 5}} {
		for range 5 {
			rc, _, err := s.Get(t.Context(), "obj", opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			end := int64(len(data))
			if opts.Length > 0 {
				end = opts.Offset + opts.Length
			}
			if err != nil || !bytes.Equal(got, data[opts.Offset:end]) {
				t.Fatalf("Get %+v through truncations: %d bytes, %v", opts, len(got), err)
			}
		}
	}
	if proxy.Injected.Load() == 0 {
		t.Fatal("no read was truncated")
	}
	// Without WithRetry the truncation reaches the reader.
	broken := 0
	for range 10 {
		rc, _, err := faulty.Get(t.Context(), "obj", store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(rc); err != nil {
			broken++
		}
		rc.Close()
	}
	if broken == 0 {
		t.Fatal("no bare read broke")
	}
}

// A resumed read never mixes two versions of an object.
func TestRetryResumeDetectsReplacement(t *testing.T) {
	ctx := t.Context()
	f := &breakingGets{Store: newFile(t)}
	f.Store.Put(ctx, "k", strings.NewReader("version one"), 11, store.PutOptions{})
	s := store.WithRetry(f, fastRetry)
	rc, _, err := s.Get(ctx, "k", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	f.Store.Put(ctx, "k", strings.NewReader("version two"), 11, store.PutOptions{})
	if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Fatalf("read across a replacement: %v", err)
	}
}

// breakingGets serves bodies that fail with a connection reset after 4 bytes.
type breakingGets struct{ store.Store }

func (b *breakingGets) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	rc, info, err := b.Store.Get(ctx, key, opts)
	if err != nil {
		return nil, info, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, 4), errReader{syscall.ECONNRESET}), rc}, info, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
