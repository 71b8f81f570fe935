// Package store is kiln's object store: a small interface over S3-compatible
// services and a local directory, with conditional writes (the only
// coordination primitive kiln needs), optional capabilities found by type
// assertion, and decorators (retry, metrics, logging).
//
// Keys are slash-separated, never start with a slash and never contain "."
// or ".." segments or empty segments.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sentinel errors. Backends wrap them so callers test with errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("store: object not found")
	// ErrPreconditionFailed: a conditional write lost (the key exists for
	// IfNoneMatch, or its ETag differs for IfMatch). Never retried.
	ErrPreconditionFailed = errors.New("store: precondition failed")
	// ErrInvalidKey: the key is not acceptable.
	ErrInvalidKey = errors.New("store: invalid key")
	// ErrNotSupported: the backend lacks the requested capability.
	ErrNotSupported = errors.New("store: not supported")
	// ErrInvalidRange: GetOptions.Offset is at or beyond the end of a
	// non-empty object (HTTP 416).
	ErrInvalidRange = errors.New("store: invalid range")
	// ErrNoStore: the location holds no store (a directory that does not
	// exist; kiln's repo package also says so of a store without targets).
	// Reading commands never create one.
	ErrNoStore = errors.New("no kiln store")

	// errShortBody: a Put's body ended before its declared size (wraps
	// io.ErrUnexpectedEOF; never retried).
	errShortBody = fmt.Errorf("body shorter than its size: %w", io.ErrUnexpectedEOF)
)

// ObjectInfo describes a stored object, or a common prefix in a delimited
// listing (IsPrefix set, only Key meaningful).
type ObjectInfo struct {
	Key      string
	Size     int64
	ETag     string // opaque; changes whenever the content changes
	Modified time.Time
	IsPrefix bool
}

// PutOptions are the conditions and metadata of a write.
type PutOptions struct {
	// IfNoneMatch makes the write create-if-absent: it fails with
	// ErrPreconditionFailed when the key exists.
	IfNoneMatch bool
	// IfMatch, when not empty, makes the write succeed only when the current
	// object's ETag equals it (compare-and-swap), else ErrPreconditionFailed
	// (also when the key does not exist).
	IfMatch     string
	ContentType string
}

// GetOptions select a byte range: Offset is the first byte, Length <= 0
// reads to the end, a Length past the end is cut at the end. An Offset at
// or past the end of a non-empty object is ErrInvalidRange.
type GetOptions struct {
	Offset int64
	Length int64
}

// Store is the object store kiln keeps all durable state in.
//
// Put streams r (size bytes, or -1 if unknown) to key; it reads exactly
// size bytes (or to EOF), and a reader that fails or is short leaves no
// object behind (an existing object keeps its content). Writes of one key are atomic: a
// reader sees the old or the new content, never a mix.
type Store interface {
	Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error)
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	Delete(ctx context.Context, key string) error // deleting a missing key is not an error
	// List calls fn for every object whose key starts with prefix, in key
	// order. With a non-empty delimiter, keys with the delimiter after the
	// prefix are folded into one IsPrefix entry each. fn's error stops the
	// listing and is returned.
	List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error
	// String names the store for logs and errors (e.g. "s3://bucket/prefix").
	String() string
}

// Copier is implemented by stores that copy objects without moving the
// bytes through kiln (S3 CopyObject, a local hard link or copy).
type Copier interface {
	Copy(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error)
}

// Presigner is implemented by stores that can hand out time-limited URLs
// (builders download dependencies from them directly).
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error)
}
