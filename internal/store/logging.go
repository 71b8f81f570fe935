package store

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// WithLogging logs every operation of s at debug level on log: op, key,
// outcome (as Outcome), duration, size and, on failure, the error.
func WithLogging(s Store, log *slog.Logger) Store {
	return expose(s, &logStore{s: s, log: log.With("store", s.String()), copy: copyOf(s), presign: presignerOf(s)})
}

type logStore struct {
	s       Store
	log     *slog.Logger
	copy    func(context.Context, string, string, PutOptions) (ObjectInfo, error)
	presign Presigner
}

func (l *logStore) Unwrap() Store  { return l.s }
func (l *logStore) String() string { return l.s.String() }

func (l *logStore) done(ctx context.Context, op, key string, start time.Time, err error, attrs ...any) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs = append(attrs, "op", op, "key", key, "outcome", Outcome(err), "duration", time.Since(start))
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	l.log.DebugContext(ctx, "store "+op, attrs...)
}

func (l *logStore) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error) {
	start := time.Now()
	rc, info, err := l.s.Get(ctx, key, opts)
	l.done(ctx, "get", key, start, err, "offset", opts.Offset, "length", opts.Length, "size", info.Size)
	return rc, info, err
}

func (l *logStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	start := time.Now()
	info, err := l.s.Stat(ctx, key)
	l.done(ctx, "stat", key, start, err, "size", info.Size)
	return info, err
}

func (l *logStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	start := time.Now()
	info, err := l.s.Put(ctx, key, r, size, opts)
	l.done(ctx, "put", key, start, err, "size", info.Size, "if_none_match", opts.IfNoneMatch, "if_match", opts.IfMatch, "etag", info.ETag)
	return info, err
}

func (l *logStore) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := l.s.Delete(ctx, key)
	l.done(ctx, "delete", key, start, err)
	return err
}

func (l *logStore) List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error {
	start := time.Now()
	n := 0
	err := l.s.List(ctx, prefix, delimiter, func(o ObjectInfo) error { n++; return fn(o) })
	l.done(ctx, "list", prefix, start, err, "delimiter", delimiter, "entries", n)
	return err
}

func (l *logStore) Copy(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	start := time.Now()
	info, err := l.copy(ctx, src, dst, opts)
	l.done(ctx, "copy", dst, start, err, "src", src, "size", info.Size)
	return info, err
}

func (l *logStore) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	start := time.Now()
	u, err := l.presign.PresignGet(ctx, key, ttl)
	l.done(ctx, "presign_get", key, start, err, "ttl", ttl)
	return u, err
}

func (l *logStore) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	start := time.Now()
	u, err := l.presign.PresignPut(ctx, key, ttl)
	l.done(ctx, "presign_put", key, start, err, "ttl", ttl)
	return u, err
}
