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

// Compression is a heap compression method (header field heap_compression).
type Compression uint16

// Heap compression methods.
const (
	CompressionNone Compression = 0
	CompressionZlib Compression = 1
	CompressionZstd Compression = 2
)

// String returns "none", "zlib", "zstd" or "compression(N)".
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionZlib:
		return "zlib"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("compression(%d)", uint16(c))
}

// ChunkSize is the heap chunk size Haiku writes (and the only one this
// package writes); MaxChunkSize is the largest one the reader accepts: the
// chunk-size table stores sizes as u16 values of size−1.
const (
	ChunkSize    = 64 << 10
	MaxChunkSize = 64 << 10
)

// HeapParams describe a heap as a file header does.
type HeapParams struct {
	Offset           int64       // file offset of the heap (= header size)
	Compression      Compression // heap_compression
	ChunkSize        uint32      // heap_chunk_size
	CompressedSize   uint64      // heap_size_compressed, chunk-size table included
	UncompressedSize uint64      // heap_size_uncompressed
}

// HeapReader gives random access to the uncompressed bytes of a heap (FORMATS.md
// §1.3). It reads only the chunks a read needs and caches the last chunk it
// decompressed. It is safe for concurrent use.
type HeapReader struct {
	r       io.ReaderAt
	p       HeapParams
	nchunks int
	offsets []int64 // file offset of each chunk; len nchunks+1 (end of last chunk)

	mu       sync.Mutex
	cacheIdx int    // chunk index in cache, -1 when empty
	cache    []byte // in bufs.cache
	bufs     *heapBuffers
	z        *zlibChunkReader
	zd       *zstd.Decoder
}

// heapBuffers are the chunk buffers of a HeapReader: taken from a pool on
// the first read, returned by Close (128 KiB, more than a package's header
// and attributes need otherwise).
type heapBuffers struct{ stored, cache [MaxChunkSize]byte }

var heapBufferPool = sync.Pool{New: func() any { return new(heapBuffers) }}

// zlibChunkReader is a zlib reader with the bytes.Reader it reads chunks
// from, pooled together between HeapReaders.
type zlibChunkReader struct {
	src bytes.Reader
	zr  io.ReadCloser // also a zlib.Resetter
}

var zlibReaders sync.Pool

// NewHeapReader validates p against the input (fileSize bytes read through
// r) and reads the chunk-size table. It allocates nothing before checking
// that the sizes fit in the input: a heap cannot claim more chunks than its
// compressed size can hold a table for, and the table must add up to exactly
// the compressed size.
func NewHeapReader(r io.ReaderAt, fileSize int64, p HeapParams) (*HeapReader, error) {
	const where = "heap"
	switch p.Compression {
	case CompressionNone, CompressionZlib, CompressionZstd:
	default:
		return nil, formatError(where, "unknown compression %d", uint16(p.Compression))
	}
	if p.ChunkSize == 0 || p.ChunkSize > MaxChunkSize {
		return nil, formatError(where, "unsupported chunk size %d (maximum %d)", p.ChunkSize, MaxChunkSize)
	}
	if p.Offset < 0 || p.Offset > fileSize || p.CompressedSize > uint64(fileSize-p.Offset) {
		return nil, formatError(where, "compressed size %d at offset %d exceeds the file size %d", p.CompressedSize, p.Offset, fileSize)
	}
	h := &HeapReader{r: r, p: p, cacheIdx: -1}
	U, C := p.UncompressedSize, p.CompressedSize
	cs := uint64(p.ChunkSize)
	n := U / cs
	if U%cs != 0 {
		n++
	}
	if p.Compression == CompressionNone {
		if C != U {
			return nil, formatError(where, "uncompressed heap has compressed size %d != uncompressed size %d", C, U)
		}
	} else {
		// Each chunk takes at least one stored byte plus two table bytes
		// (except the last): this bounds n by the real input size.
		if n > 0 && (n-1)*2+n > C || n == 0 && C != 0 {
			return nil, formatError(where, "uncompressed size %d (%d chunks) cannot fit in compressed size %d", U, n, C)
		}
	}
	h.nchunks = int(n)
	h.offsets = make([]int64, n+1)
	h.offsets[0] = p.Offset
	if p.Compression == CompressionNone || n == 0 {
		for i := 1; i <= int(n); i++ {
			h.offsets[i] = min(h.offsets[i-1]+int64(cs), p.Offset+int64(C))
		}
		return h, nil
	}
	tableLen := (n - 1) * 2
	table := make([]byte, tableLen)
	tableOff := p.Offset + int64(C-tableLen)
	if _, err := r.ReadAt(table, tableOff); err != nil && tableLen > 0 {
		return nil, fmt.Errorf("%w: %s: reading chunk-size table at offset %d: %v", ErrFormat, where, tableOff, err)
	}
	var sum uint64
	for i := range int(n - 1) {
		s := uint64(binary.BigEndian.Uint16(table[2*i:])) + 1
		if s > cs {
			return nil, formatError(where, "chunk %d has stored size %d, larger than the chunk size %d", i, s, cs)
		}
		sum += s
		h.offsets[i+1] = p.Offset + int64(sum)
	}
	if sum >= C-tableLen {
		return nil, formatError(where, "chunk-size table at offset %d adds up to %d, leaving nothing for the last chunk of a %d-byte heap", tableOff, sum+tableLen, C)
	}
	last := C - tableLen - sum
	lastU := U - (n-1)*cs
	if last > lastU {
		return nil, formatError(where, "chunk-size table at offset %d does not add up: last chunk %d has stored size %d > uncompressed size %d", tableOff, n-1, last, lastU)
	}
	h.offsets[n] = p.Offset + int64(sum+last)
	return h, nil
}

// Size returns the uncompressed heap size.
func (h *HeapReader) Size() int64 { return int64(h.p.UncompressedSize) }

// Params returns the parameters the heap was opened with.
func (h *HeapReader) Params() HeapParams { return h.p }

// Chunks returns the number of chunks.
func (h *HeapReader) Chunks() int { return h.nchunks }

// ReadAt reads len(p) bytes at the uncompressed offset off (io.ReaderAt).
func (h *HeapReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%w: heap read at negative offset %d", ErrFormat, off)
	}
	size := h.Size()
	if off >= size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	var err error
	if int64(len(p)) > size-off {
		want = p[:size-off]
		err = io.EOF
	}
	if h.p.Compression == CompressionNone {
		n, rerr := h.r.ReadAt(want, h.p.Offset+off)
		if rerr != nil && n < len(want) {
			return n, fmt.Errorf("%w: heap: reading %d bytes at offset %d: %v", ErrFormat, len(want), off, rerr)
		}
		return n, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := int64(h.p.ChunkSize)
	done := 0
	for done < len(want) {
		pos := off + int64(done)
		idx := int(pos / cs)
		chunk, cerr := h.chunk(idx)
		if cerr != nil {
			return done, cerr
		}
		done += copy(want[done:], chunk[pos-int64(idx)*cs:])
	}
	return done, err
}

// chunk returns the uncompressed chunk idx; h.mu must be held. The result is
// valid until the next call.
func (h *HeapReader) chunk(idx int) ([]byte, error) {
	if idx == h.cacheIdx {
		return h.cache, nil
	}
	h.cacheIdx = -1
	cs := uint64(h.p.ChunkSize)
	usize := int(cs)
	if idx == h.nchunks-1 {
		usize = int(h.p.UncompressedSize - uint64(idx)*cs)
	}
	start, end := h.offsets[idx], h.offsets[idx+1]
	ssize := int(end - start)
	if h.bufs == nil {
		h.bufs = heapBufferPool.Get().(*heapBuffers)
	}
	h.cache = h.bufs.cache[:usize]
	if ssize == usize {
		if _, err := h.r.ReadAt(h.cache, start); err != nil {
			return nil, fmt.Errorf("%w: heap chunk %d at offset %d: %v", ErrFormat, idx, start, err)
		}
		h.cacheIdx = idx
		return h.cache, nil
	}
	stored := h.bufs.stored[:ssize]
	if _, err := h.r.ReadAt(stored, start); err != nil {
		return nil, fmt.Errorf("%w: heap chunk %d at offset %d: %v", ErrFormat, idx, start, err)
	}
	if err := h.decompress(stored, h.cache); err != nil {
		return nil, fmt.Errorf("%w: heap chunk %d at offset %d: %s: %v", ErrFormat, idx, start, h.p.Compression, err)
	}
	h.cacheIdx = idx
	return h.cache, nil
}

// decompress fills dst exactly from src, failing if src holds more or less.
func (h *HeapReader) decompress(src, dst []byte) error {
	switch h.p.Compression {
	case CompressionZlib:
		if h.z == nil {
			h.z, _ = zlibReaders.Get().(*zlibChunkReader)
			if h.z == nil {
				h.z = new(zlibChunkReader)
			}
		}
		z := h.z
		z.src.Reset(src)
		if z.zr == nil {
			zr, err := zlib.NewReader(&z.src)
			if err != nil {
				return err
			}
			z.zr = zr
		} else if err := z.zr.(zlib.Resetter).Reset(&z.src, nil); err != nil {
			return err
		}
		if _, err := io.ReadFull(z.zr, dst); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return fmt.Errorf("decompresses to fewer than %d bytes", len(dst))
			}
			return err
		}
		var one [1]byte
		if n, _ := z.zr.Read(one[:]); n != 0 {
			return fmt.Errorf("decompresses to more than %d bytes", len(dst))
		}
		return nil
	case CompressionZstd:
		if h.zd == nil {
			zd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxMemory(uint64(MaxChunkSize)), zstd.WithDecoderMaxWindow(1<<20))
			if err != nil {
				return err
			}
			h.zd = zd
		}
		out, err := h.zd.DecodeAll(src, dst[:0])
		if err != nil {
			return err
		}
		if len(out) != len(dst) {
			return fmt.Errorf("decompresses to %d bytes, want %d", len(out), len(dst))
		}
		if &out[0] != &dst[0] {
			copy(dst, out)
		}
		return nil
	}
	return fmt.Errorf("unknown compression")
}

// Close releases the decompressor and the chunk buffers. Reading after
// Close still works, taking them again.
func (h *HeapReader) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bufs != nil {
		heapBufferPool.Put(h.bufs)
		h.bufs, h.cache, h.cacheIdx = nil, nil, -1
	}
	if h.z != nil {
		h.z.src.Reset(nil) // nothing of this reader's input stays referenced
		zlibReaders.Put(h.z)
		h.z = nil
	}
	if h.zd != nil {
		h.zd.Close()
		h.zd = nil
	}
	return nil
}
