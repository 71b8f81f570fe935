package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// RetryPolicy configures WithRetry. Zero fields take the defaults.
type RetryPolicy struct {
	MaxAttempts int           // tries per operation, default 5
	BaseDelay   time.Duration // first backoff, default 100ms
	MaxDelay    time.Duration // backoff cap, default 5s
	// Transient decides which errors are retried; default IsTransient.
	Transient func(error) bool
	// Logger, if set, gets one Info line per retry.
	Logger *slog.Logger
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 100 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.Transient == nil {
		p.Transient = IsTransient
	}
	return p
}

// backoff is the delay before retry n (1-based): full jitter over an
// exponentially growing window, capped.
func (p RetryPolicy) backoff(n int) time.Duration {
	window := p.BaseDelay << min(n-1, 30)
	if window <= 0 || window > p.MaxDelay {
		window = p.MaxDelay
	}
	return window/2 + rand.N(window/2+1)
}

// IsTransient reports whether err is worth retrying: a throttling or
// server error (429, 500, 502, 503, 504, SlowDown, RequestTimeout, …),
// a connection reset, refused or broken, a response cut short
// (io.ErrUnexpectedEOF), or a network timeout. It is
// never true for ErrNotFound, ErrPreconditionFailed, ErrInvalidKey,
// ErrInvalidRange, ErrNotSupported or a done context.
func IsTransient(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, ErrNotFound), errors.Is(err, ErrPreconditionFailed),
		errors.Is(err, ErrInvalidKey), errors.Is(err, ErrInvalidRange),
		errors.Is(err, ErrNotSupported),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, errShortBody):
		return false // the caller's body, not the network
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, io.ErrUnexpectedEOF), // a response cut short
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// WithRetry retries the operations of s that fail with a transient error,
// with exponential backoff and jitter, until p.MaxAttempts or ctx ends.
//
// A Put is retried only when its body is an io.Seeker: it is rewound to
// where it stood. Other bodies cannot be replayed and get one attempt (the
// S3 backend still retries each part of a multipart upload itself).
// List resumes after the last entry it delivered, so fn never sees an
// entry twice. A Get body that breaks off is resumed with a ranged Get
// from where it stopped, if the object still has the same ETag.
// A retried conditional write may report ErrPreconditionFailed when an
// earlier attempt did succeed without the answer arriving: callers check
// the content (as kiln's publisher does) rather than trust the error.
func WithRetry(s Store, p RetryPolicy) Store {
	return expose(s, &retryStore{s: s, p: p.withDefaults(), copy: copyOf(s), presign: presignerOf(s)})
}

type retryStore struct {
	s       Store
	p       RetryPolicy
	copy    func(context.Context, string, string, PutOptions) (ObjectInfo, error)
	presign Presigner
}

func (r *retryStore) Unwrap() Store  { return r.s }
func (r *retryStore) String() string { return r.s.String() }

// do runs fn until it succeeds, fails for good, or attempts run out.
func (r *retryStore) do(ctx context.Context, op, key string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		var perm permanent
		if errors.As(err, &perm) {
			return perm.err
		}
		if err == nil || attempt >= r.p.MaxAttempts || !r.p.Transient(err) || ctx.Err() != nil {
			if err != nil && attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		d := r.p.backoff(attempt)
		if r.p.Logger != nil {
			r.p.Logger.Info("store: retrying", "store", r.s.String(), "op", op, "key", key,
				"attempt", attempt, "delay", d, "err", err)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retrying after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (r *retryStore) Get(ctx context.Context, key string, opts GetOptions) (rc io.ReadCloser, info ObjectInfo, err error) {
	err = r.do(ctx, "get", key, func() (err error) {
		rc, info, err = r.s.Get(ctx, key, opts)
		return err
	})
	if err != nil {
		return nil, info, err
	}
	if _, local := rc.(io.ReaderAt); local {
		return rc, info, nil // a file: nothing to resume, keep its methods
	}
	return &resumingReader{r: r, ctx: ctx, key: key, opts: opts, etag: info.ETag, size: info.Size, rc: rc}, info, nil
}

// resumingReader continues a Get body that broke off (connection reset,
// truncated body) with a ranged Get from where it stopped, as long as the
// object keeps its ETag; a replaced object is an error, never a mix.
type resumingReader struct {
	r       *retryStore
	ctx     context.Context
	key     string
	opts    GetOptions
	etag    string
	size    int64
	rc      io.ReadCloser
	read    int64
	resumes int
	pending error // the body's error, handled by the next Read
}

func (g *resumingReader) Read(p []byte) (int, error) {
	for {
		if err := g.pending; err != nil {
			g.pending = nil
			if !IsTransient(err) || g.resumes+1 >= g.r.p.MaxAttempts || g.ctx.Err() != nil {
				return 0, err
			}
			g.resumes++
			if rerr := g.resume(); rerr != nil {
				return 0, fmt.Errorf("%w (resuming after: %w)", rerr, err)
			}
		}
		n, err := g.rc.Read(p)
		g.read += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		g.pending = err
		if n > 0 {
			return n, nil
		}
	}
}

func (g *resumingReader) resume() error {
	off := g.opts.Offset + g.read
	length := int64(0)
	if g.opts.Length > 0 {
		length = g.opts.Length - g.read
	}
	if off >= g.size || (g.opts.Length > 0 && length <= 0) {
		return io.ErrUnexpectedEOF // nothing left to fetch, yet the body broke
	}
	if g.r.p.Logger != nil {
		g.r.p.Logger.Info("store: resuming a broken read", "store", g.r.s.String(), "key", g.key, "offset", off)
	}
	g.rc.Close()
	g.rc = io.NopCloser(strings.NewReader(""))
	var rc io.ReadCloser
	var info ObjectInfo
	err := g.r.do(g.ctx, "get", g.key, func() (err error) {
		rc, info, err = g.r.s.Get(g.ctx, g.key, GetOptions{Offset: off, Length: length})
		return err
	})
	if err != nil {
		return err
	}
	if info.ETag != g.etag {
		rc.Close()
		return fmt.Errorf("store: get %s: object replaced while reading (ETag %s, was %s)", g.key, info.ETag, g.etag)
	}
	g.rc = rc
	return nil
}

func (g *resumingReader) Close() error { return g.rc.Close() }

func (r *retryStore) Stat(ctx context.Context, key string) (info ObjectInfo, err error) {
	err = r.do(ctx, "stat", key, func() (err error) {
		info, err = r.s.Stat(ctx, key)
		return err
	})
	return info, err
}

func (r *retryStore) Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (info ObjectInfo, err error) {
	seeker, ok := body.(io.Seeker)
	if !ok {
		return r.s.Put(ctx, key, body, size, opts)
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return r.s.Put(ctx, key, body, size, opts)
	}
	first := true
	err = r.do(ctx, "put", key, func() (err error) {
		if !first {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return fmt.Errorf("store: put %s: rewinding the body: %w", key, err)
			}
		}
		first = false
		info, err = r.s.Put(ctx, key, body, size, opts)
		return err
	})
	return info, err
}

func (r *retryStore) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func() error { return r.s.Delete(ctx, key) })
}

func (r *retryStore) List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error {
	var last string
	delivered := false
	var fnErr error
	return r.do(ctx, "list", prefix, func() error {
		err := r.s.List(ctx, prefix, delimiter, func(o ObjectInfo) error {
			if delivered && o.Key <= last {
				return nil // seen before the retry
			}
			if fnErr = fn(o); fnErr != nil {
				return fnErr
			}
			last, delivered = o.Key, true
			return nil
		})
		if fnErr != nil {
			return permanent{fnErr}
		}
		return err
	})
}

// permanent stops retries of an error that must be returned as is.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

func (r *retryStore) Copy(ctx context.Context, src, dst string, opts PutOptions) (info ObjectInfo, err error) {
	err = r.do(ctx, "copy", dst, func() (err error) {
		info, err = r.copy(ctx, src, dst, opts)
		return err
	})
	return info, err
}

func (r *retryStore) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return r.presign.PresignGet(ctx, key, ttl)
}

func (r *retryStore) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return r.presign.PresignPut(ctx, key, ttl)
}
