package hpkg

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// MaxSectionSize is the largest attribute section (TOC, package attributes,
// HPKR packages) ReadSection accepts.
const MaxSectionSize = 256 << 20

// sectionStep is how much memory a section read takes at a time, before the
// data for it has arrived.
const sectionStep = 1 << 20

// ReadSection reads length bytes at offset off of r (normally a HeapReader).
// It grows its buffer only as data actually arrives (1 MiB at a time), so a
// section size that lies costs no more memory than the real data, and it
// rejects sections over MaxSectionSize. where names the section in errors.
func ReadSection(r io.ReaderAt, off, length uint64, where string) ([]byte, error) {
	if err := checkSection(off, length, where); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, min(length, sectionStep))
	for uint64(len(buf)) < length {
		k := min(length-uint64(len(buf)), sectionStep)
		buf = append(buf, make([]byte, k)...)[:len(buf)]
		n, err := r.ReadAt(buf[len(buf):len(buf)+int(k)], int64(off)+int64(len(buf)))
		buf = buf[:len(buf)+n]
		if n < int(k) {
			return nil, sectionReadError(off, length, where, err)
		}
	}
	return buf, nil
}

func checkSection(off, length uint64, where string) error {
	if length > MaxSectionSize {
		return fmt.Errorf("%w: %s: %d bytes, more than the maximum %d", ErrLimit, where, length, MaxSectionSize)
	}
	if off+length < off || off > 1<<62 {
		return formatError(where, "offset %d and length %d overflow", off, length)
	}
	return nil
}

func sectionReadError(off, length uint64, where string, err error) error {
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: reading %d bytes at heap offset %d: %w", where, length, off, err)
}

// sectionBlocks holds idle 1 MiB read blocks for readSectionString.
var sectionBlocks = sync.Pool{New: func() any { b := make([]byte, sectionStep); return &b }}

// readSectionString is ReadSection returning the section as a string, the
// form a Decoder works on. Sections over 64 KiB arrive in pooled 1 MiB
// blocks, and the string is allocated at its exact size only once all the
// data is there: one copy of the section instead of a growing buffer plus
// a string conversion.
func readSectionString(r io.ReaderAt, off, length uint64, where string) (string, error) {
	if err := checkSection(off, length, where); err != nil {
		return "", err
	}
	if length <= 64<<10 {
		b := make([]byte, length)
		if n, err := r.ReadAt(b, int64(off)); n < len(b) {
			return "", sectionReadError(off, length, where, err)
		}
		return string(b), nil
	}
	var blocks []*[]byte
	defer func() {
		for _, b := range blocks {
			sectionBlocks.Put(b)
		}
	}()
	for done := uint64(0); done < length; {
		k := min(length-done, sectionStep)
		b := sectionBlocks.Get().(*[]byte)
		blocks = append(blocks, b)
		if n, err := r.ReadAt((*b)[:k], int64(off+done)); n < int(k) {
			return "", sectionReadError(off, length, where, err)
		}
		done += k
	}
	var sb strings.Builder
	sb.Grow(int(length))
	for _, b := range blocks {
		sb.Write((*b)[:min(length-uint64(sb.Len()), sectionStep)])
	}
	return sb.String(), nil
}
