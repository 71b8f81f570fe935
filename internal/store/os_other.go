//go:build !linux

package store

import (
	"errors"
	"io/fs"
)

// Elsewhere: no ETag xattr (stat-derived ETags), heap part buffers that
// stay allocated, and (see file_lock_*.go) flock only on unix.

// oNoFollow: elsewhere only the component check of File.path applies.
const oNoFollow = 0

func setETagAttr(path, etag string) error { return errors.ErrUnsupported }

func getETagAttr(path string) (string, bool) { return "", false }

func inode(fi fs.FileInfo) uint64 { return 0 }

func allocBuffer(size int) []byte { return make([]byte, size) }

func releaseBuffer([]byte) {}
