package hpkg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// window is a forward-only input buffer of 2 × MaxChunkSize bytes: fill
// makes up to n bytes available without consuming them.
type window struct {
	r          io.Reader
	buf        []byte
	start, end int
	off        int64 // file offset of buf[start]
	eof        bool
}

func newWindow(r io.Reader) *window {
	return &window{r: r, buf: make([]byte, 2*MaxChunkSize)}
}

// fill returns at least n buffered bytes (n ≤ len(buf)), fewer only at the
// end of the input. Errors other than EOF are returned.
func (w *window) fill(n int) ([]byte, error) {
	n = min(n, len(w.buf))
	if w.end-w.start < n && w.start > 0 {
		w.end = copy(w.buf, w.buf[w.start:w.end])
		w.start = 0
	}
	for w.end-w.start < n && !w.eof {
		k, err := w.r.Read(w.buf[w.end:])
		w.end += k
		if err == io.EOF {
			w.eof = true
		} else if err != nil {
			return nil, fmt.Errorf("hpkg: reading the package at offset %d: %w", w.off+int64(w.end-w.start), err)
		}
	}
	return w.buf[w.start:w.end], nil
}

func (w *window) consume(n int) {
	w.start += n
	w.off += int64(n)
}

// skip consumes bytes up to the file offset to (e.g. the rest of a header
// larger than HeaderSize).
func (w *window) skip(to int64, where string) error {
	for w.off < to {
		b, err := w.fill(int(min(to-w.off, int64(len(w.buf)))))
		if err != nil {
			return err
		}
		if len(b) == 0 {
			return formatError(where, "file ends at offset %d", w.off)
		}
		w.consume(int(min(int64(len(b)), to-w.off)))
	}
	return nil
}

// chunkInflater decompresses chunks whose stored size is not known yet.
type chunkInflater struct {
	comp Compression
	out  [MaxChunkSize]byte
	src  bytes.Reader
	zr   io.ReadCloser
	zd   *zstd.Decoder
}

// stream decompresses one chunk of usize bytes from the start of in, which
// may hold more (the following chunks), and returns the chunk and how many
// bytes of in its compressed stream took.
func (c *chunkInflater) stream(in []byte, usize int) ([]byte, int, error) {
	dst := c.out[:usize]
	switch c.comp {
	case CompressionZlib:
		// bytes.Reader is an io.ByteReader: the inflater reads exactly the
		// stream, checksum included, and nothing after it.
		c.src.Reset(in)
		if err := c.resetZlib(); err != nil {
			return nil, 0, err
		}
		if _, err := io.ReadFull(c.zr, dst); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, 0, fmt.Errorf("decompresses to fewer than %d bytes", usize)
			}
			return nil, 0, err
		}
		var one [1]byte
		if k, err := c.zr.Read(one[:]); k != 0 {
			return nil, 0, fmt.Errorf("decompresses to more than %d bytes", usize)
		} else if err != io.EOF {
			return nil, 0, err
		}
		return dst, len(in) - c.src.Len(), nil
	case CompressionZstd:
		done, used := 0, 0
		for done < usize {
			n, err := zstdFrameLen(in[used:])
			if err != nil {
				return nil, 0, err
			}
			out, err := c.zstdDecoder().DecodeAll(in[used:used+n], dst[done:done])
			if err != nil {
				return nil, 0, err
			}
			if len(out) > usize-done {
				return nil, 0, fmt.Errorf("decompresses to more than %d bytes", usize)
			}
			if len(out) > 0 && &out[0] != &dst[done] {
				copy(dst[done:], out)
			}
			done += len(out)
			used += n
		}
		return dst, used, nil
	}
	return nil, 0, fmt.Errorf("unknown compression %d", c.comp)
}

// exact decompresses a chunk whose stored bytes are exactly in.
func (c *chunkInflater) exact(in []byte, usize int) ([]byte, error) {
	out, used, err := c.stream(in, usize)
	if err != nil {
		return nil, err
	}
	if used != len(in) {
		return nil, fmt.Errorf("%d bytes after the end of the compressed stream", len(in)-used)
	}
	return out, nil
}

func (c *chunkInflater) resetZlib() error {
	if c.zr == nil {
		zr, err := zlib.NewReader(&c.src)
		c.zr = zr
		return err
	}
	return c.zr.(zlib.Resetter).Reset(&c.src, nil)
}

func (c *chunkInflater) zstdDecoder() *zstd.Decoder {
	if c.zd == nil {
		// The same bounds as HeapReader's decoder.
		c.zd, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(uint64(MaxChunkSize)), zstd.WithDecoderMaxWindow(1<<20))
	}
	return c.zd
}

func (c *chunkInflater) close() {
	if c.zd != nil {
		c.zd.Close()
		c.zd = nil
	}
}

// zstdFrameLen returns the length of the zstd frame (or skippable frame)
// at the start of b, from its frame header and block headers (RFC 8878
// §3.1), without decoding it.
func zstdFrameLen(b []byte) (int, error) {
	errShort := errors.New("zstd frame runs past the available data")
	if len(b) < 8 {
		if len(b) >= 4 {
			return 0, errShort
		}
		return 0, errors.New("no zstd frame")
	}
	magic := binary.LittleEndian.Uint32(b)
	if magic&0xfffffff0 == 0x184d2a50 {
		n := 8 + int64(binary.LittleEndian.Uint32(b[4:]))
		if n > int64(len(b)) {
			return 0, errShort
		}
		return int(n), nil
	}
	if magic != 0xfd2fb528 {
		return 0, fmt.Errorf("zstd frame magic 0x%08x", magic)
	}
	fhd := b[4]
	pos := 5
	single := fhd&0x20 != 0
	if !single {
		pos++ // window descriptor
	}
	pos += [4]int{0, 1, 2, 4}[fhd&3] // dictionary id
	fcs := [4]int{0, 2, 4, 8}[fhd>>6]
	if fcs == 0 && single {
		fcs = 1
	}
	pos += fcs
	for {
		if pos+3 > len(b) {
			return 0, errShort
		}
		bh := uint32(b[pos]) | uint32(b[pos+1])<<8 | uint32(b[pos+2])<<16
		pos += 3
		size := int(bh >> 3)
		switch (bh >> 1) & 3 {
		case 1: // RLE: one byte
			size = 1
		case 3:
			return 0, errors.New("zstd block of reserved type")
		}
		if size > len(b)-pos {
			return 0, errShort
		}
		pos += size
		if bh&1 != 0 {
			break
		}
	}
	if fhd&4 != 0 { // content checksum
		pos += 4
	}
	if pos > len(b) {
		return 0, errShort
	}
	return pos, nil
}
