package hpkg

import (
	"fmt"
	"io"
)

// MaxSectionSize is the largest attribute section (TOC, package attributes,
// HPKR packages) ReadSection accepts.
const MaxSectionSize = 256 << 20

// ReadSection reads length bytes at offset off of r (normally a HeapReader).
// It grows its buffer only as data actually arrives (1 MiB at a time), so a
// section size that lies costs no more memory than the real data, and it
// rejects sections over MaxSectionSize. where names the section in errors.
func ReadSection(r io.ReaderAt, off, length uint64, where string) ([]byte, error) {
	if length > MaxSectionSize {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the maximum %d", ErrLimit, where, length, MaxSectionSize)
	}
	if off+length < off || off > 1<<62 {
		return nil, formatError(where, "offset %d and length %d overflow", off, length)
	}
	const step = 1 << 20
	buf := make([]byte, 0, min(length, step))
	for uint64(len(buf)) < length {
		k := min(length-uint64(len(buf)), step)
		buf = append(buf, make([]byte, k)...)[:len(buf)]
		n, err := r.ReadAt(buf[len(buf):len(buf)+int(k)], int64(off)+int64(len(buf)))
		buf = buf[:len(buf)+n]
		if n < int(k) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%s: reading %d bytes at heap offset %d: %w", where, length, off, err)
		}
	}
	return buf, nil
}
