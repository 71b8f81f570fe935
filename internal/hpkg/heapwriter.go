package hpkg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// minCompressSize: chunks shorter than this are stored uncompressed, as
// Haiku's PackageFileHeapWriter does.
const minCompressSize = 64

// HeapWriter writes a heap as Haiku does (FORMATS.md §1.3): the uncompressed
// bytes written to it are cut into 64 KiB chunks, each compressed on its own
// and kept compressed only if that makes it strictly smaller (chunks under
// 64 bytes are never compressed); Close appends the chunk-size table.
// Stored chunks go to the underlying writer as soon as they are full, so
// memory use is one chunk plus two bytes a chunk for the table.
type HeapWriter struct {
	w       io.Writer
	comp    Compression
	buf     []byte // pending uncompressed bytes, < ChunkSize
	out     bytes.Buffer
	zw      *zlib.Writer
	level   int // of zw
	ze      *zstd.Encoder
	sizes   []uint16 // stored size−1 of every chunk written
	lastLen int      // stored size of the most recent chunk
	written uint64   // stored bytes written (without the table)
	size    uint64   // uncompressed bytes written
	err     error
	closed  bool
}

// NewHeapWriter returns a writer producing a heap compressed with comp. level
// is the zlib level (1–9; 0 = 9) or, for zstd, a zstd.EncoderLevel (0 =
// default); it is ignored for CompressionNone.
func NewHeapWriter(w io.Writer, comp Compression, level int) (*HeapWriter, error) {
	h := &HeapWriter{w: w, comp: comp, buf: make([]byte, 0, ChunkSize)}
	switch comp {
	case CompressionNone:
	case CompressionZlib:
		if level == 0 {
			level = zlib.BestCompression
		}
		zw, err := getZlibWriter(&h.out, level)
		if err != nil {
			return nil, fmt.Errorf("hpkg: heap writer: %w", err)
		}
		h.zw, h.level = zw, level
	case CompressionZstd:
		opts := []zstd.EOption{zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(ChunkSize)}
		if level != 0 {
			opts = append(opts, zstd.WithEncoderLevel(zstd.EncoderLevel(level)))
		}
		ze, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			return nil, fmt.Errorf("hpkg: heap writer: %w", err)
		}
		h.ze = ze
	default:
		return nil, fmt.Errorf("hpkg: heap writer: unknown compression %d", uint16(comp))
	}
	return h, nil
}

// Offset returns the number of uncompressed bytes written so far: the heap
// offset the next Write starts at.
func (h *HeapWriter) Offset() uint64 { return h.size }

// Write appends uncompressed heap bytes.
func (h *HeapWriter) Write(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	if h.closed {
		return 0, fmt.Errorf("hpkg: heap writer: write after Close")
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), ChunkSize-len(h.buf))
		h.buf = append(h.buf, p[:k]...)
		p = p[k:]
		n += k
		h.size += uint64(k)
		if len(h.buf) == ChunkSize {
			if err := h.flushChunk(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// ReadFrom copies r into the heap (io.ReaderFrom), chunk by chunk.
func (h *HeapWriter) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if h.err != nil {
			return total, h.err
		}
		k, err := r.Read(h.buf[len(h.buf):ChunkSize])
		h.buf = h.buf[:len(h.buf)+k]
		h.size += uint64(k)
		total += int64(k)
		if len(h.buf) == ChunkSize {
			if ferr := h.flushChunk(); ferr != nil {
				return total, ferr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (h *HeapWriter) flushChunk() error {
	chunk := h.buf
	stored := chunk
	if h.comp != CompressionNone && len(chunk) >= minCompressSize {
		h.out.Reset()
		switch h.comp {
		case CompressionZlib:
			h.zw.Reset(&h.out)
			if _, err := h.zw.Write(chunk); err != nil {
				h.err = err
				return err
			}
			if err := h.zw.Close(); err != nil {
				h.err = err
				return err
			}
		case CompressionZstd:
			h.out.Write(h.ze.EncodeAll(chunk, h.out.AvailableBuffer()))
		}
		if h.out.Len() < len(chunk) {
			stored = h.out.Bytes()
		}
	}
	if _, err := h.w.Write(stored); err != nil {
		h.err = fmt.Errorf("hpkg: writing heap: %w", err)
		return h.err
	}
	h.sizes = append(h.sizes, uint16(len(stored)-1))
	h.written += uint64(len(stored))
	h.buf = h.buf[:0]
	return nil
}

// Close writes the last chunk and the chunk-size table (none for
// CompressionNone) and returns the heap's compressed size (table included)
// and uncompressed size, the values for the file header.
func (h *HeapWriter) Close() (compressed, uncompressed uint64, err error) {
	if h.err != nil {
		return 0, 0, h.err
	}
	if h.closed {
		return 0, 0, fmt.Errorf("hpkg: heap writer: Close called twice")
	}
	h.closed = true
	if h.ze != nil {
		defer h.ze.Close()
	}
	if len(h.buf) > 0 {
		if err := h.flushChunk(); err != nil {
			return 0, 0, err
		}
	}
	if h.zw != nil {
		putZlibWriter(h.zw, h.level)
		h.zw = nil
	}
	compressed = h.written
	if h.comp != CompressionNone && len(h.sizes) > 1 {
		table := make([]byte, 2*(len(h.sizes)-1))
		for i, s := range h.sizes[:len(h.sizes)-1] {
			binary.BigEndian.PutUint16(table[2*i:], s)
		}
		if _, err := h.w.Write(table); err != nil {
			h.err = fmt.Errorf("hpkg: writing heap chunk table: %w", err)
			return 0, 0, h.err
		}
		compressed += uint64(len(table))
	}
	return compressed, h.size, nil
}

// zlibWriters holds idle zlib writers by level: a writer's state is a few
// hundred KiB, more than a repository heap's chunk-size table and header
// together, and Reset makes a used one as good as new.
var zlibWriters [zlib.BestCompression + 1]sync.Pool

func getZlibWriter(w io.Writer, level int) (*zlib.Writer, error) {
	if level >= 1 && level <= zlib.BestCompression {
		if zw, ok := zlibWriters[level].Get().(*zlib.Writer); ok {
			zw.Reset(w)
			return zw, nil
		}
	}
	return zlib.NewWriterLevel(w, level)
}

func putZlibWriter(zw *zlib.Writer, level int) {
	if level >= 1 && level <= zlib.BestCompression {
		zw.Reset(io.Discard) // drop the reference to the last output
		zlibWriters[level].Put(zw)
	}
}
