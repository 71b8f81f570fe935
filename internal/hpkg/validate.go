package hpkg

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Validated is what Validate learned about a whole, valid package.
type Validated struct {
	Header Header
	Info   pkginfo.PackageInfo
	// Size is the file size.
	Size int64
	// Entries and Xattrs count the TOC's entries and extended attributes.
	Entries, Xattrs int
	// DataBytes is the size of all file and attribute data stored in the
	// heap (the data area before the TOC holds it, without overlaps).
	DataBytes uint64
}

// Validate reads a whole package file from r, once and in order, and checks
// everything a Haiku client will read: the header; every heap chunk
// decompresses without error to exactly its size; the chunk-size table
// agrees with the chunks; the file ends where the header says; the TOC and
// the package attributes parse; every file's and attribute's data lies in
// the heap's data area, before the TOC, and no two overlap.
//
// Memory is bounded: a 128 KiB input window, one decompressed chunk, the
// chunk sizes (2 bytes per 64 KiB chunk) and the TOC and package attributes
// (which are at the end of the heap and must be parsed anyway, within
// MaxSectionSize and MaxAttributesSection). Errors wrap ErrFormat,
// ErrVersion, ErrMagic or ErrLimit and name the chunk (index and file
// offset) or the entry; an error of r is returned as it is, wrapped.
//
// HPKG stores the chunk-size table after the chunks, so a one-pass reader
// must find each chunk's end itself: a compressed chunk is a zlib or zstd
// stream that ends by itself, a chunk stored raw is exactly the chunk size.
// Validate decompresses at each chunk boundary and takes the chunk as
// stored when that fails (and the bytes are there), then checks every
// chunk against the table at the end. Only a crafted package whose stored
// chunk happens to begin with a valid compressed stream of exactly the chunk
// size is read differently from Haiku, and is refused (the table disagrees).
func Validate(r io.Reader) (*Validated, error) {
	v := validator{in: newWindow(r)}
	return v.run()
}

type validator struct {
	in   *window
	h    Header
	heap chunkInflater
	tail []byte // the uncompressed heap from the TOC on
	// suspect notes the first chunk taken as stored because it did not
	// decompress; a later error mentions it.
	suspect string
}

func (v *validator) run() (*Validated, error) {
	res, err := v.validate()
	v.heap.close()
	if err != nil && v.suspect != "" {
		err = fmt.Errorf("%w (%s)", err, v.suspect)
	}
	return res, err
}

func (v *validator) validate() (*Validated, error) {
	hb, err := v.in.fill(HeaderSize)
	if err != nil {
		return nil, err
	}
	if len(hb) < HeaderSize {
		if len(hb) >= 8 {
			// parseHeader names magic and version problems first.
			if _, err := parseHeader(hb, int64(len(hb))); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("%w: package header at offset 0: file is %d bytes, too short for a package", ErrFormat, len(hb))
	}
	total := binary.BigEndian.Uint64(hb[8:])
	if total > 1<<62 {
		return nil, formatError("package header at offset 8", "total size %d out of range", total)
	}
	h, err := parseHeader(hb[:HeaderSize], int64(total))
	if err != nil {
		return nil, err
	}
	v.h = h
	if h.AttributesLength > MaxAttributesSection {
		return nil, fmt.Errorf("%w: package attributes: %d bytes, more than the maximum %d", ErrLimit, h.AttributesLength, MaxAttributesSection)
	}
	if err := checkSection(h.TOCOffset(), h.TOCLength, "TOC"); err != nil {
		return nil, err
	}
	if err := v.in.skip(int64(h.HeaderSize), "package header"); err != nil {
		return nil, err
	}
	if err := v.readHeap(); err != nil {
		return nil, err
	}
	// Nothing may follow the heap.
	if rest, err := v.in.fill(1); err != nil {
		return nil, err
	} else if len(rest) > 0 {
		return nil, formatError(fmt.Sprintf("end of package at offset %d", v.in.off), "data after the %d bytes the header declares", h.TotalSize)
	}
	return v.parseSections()
}

// readHeap streams the heap's chunks and the chunk-size table.
func (v *validator) readHeap() error {
	h := &v.h
	p := h.heapParams()
	U, C, cs := p.UncompressedSize, p.CompressedSize, uint64(p.ChunkSize)
	switch p.Compression {
	case CompressionNone, CompressionZlib, CompressionZstd:
	default:
		return formatError("heap", "unknown compression %d", uint16(p.Compression))
	}
	if cs == 0 || cs > MaxChunkSize {
		return formatError("heap", "unsupported chunk size %d (maximum %d)", cs, MaxChunkSize)
	}
	n := (U + cs - 1) / cs
	if p.Compression == CompressionNone {
		if C != U {
			return formatError("heap", "uncompressed heap has compressed size %d != uncompressed size %d", C, U)
		}
	} else if n > 0 && (n-1)*2+n > C || n == 0 && C != 0 {
		return formatError("heap", "uncompressed size %d (%d chunks) cannot fit in compressed size %d", U, n, C)
	}
	tableLen := uint64(0)
	if p.Compression != CompressionNone && n > 0 {
		tableLen = (n - 1) * 2
	}
	dataEnd := v.in.off + int64(C-tableLen) // file offset of the table
	v.heap.comp = p.Compression
	// The stored size − 1 of each chunk but the last, grown as chunks
	// arrive (n is only claimed).
	stored := make([]uint16, 0, min(n, 1<<12))
	for i := uint64(0); i < n; i++ {
		usize := min(cs, U-i*cs)
		start := v.in.off
		remaining := dataEnd - start
		// Every later chunk needs at least one byte.
		avail := remaining - int64(n-1-i)
		if i < n-1 {
			avail = min(avail, int64(cs))
		}
		where := fmt.Sprintf("heap chunk %d of %d at offset %d", i, n, start)
		if avail <= 0 {
			return formatError(where, "no data left before the chunk-size table at offset %d", dataEnd)
		}
		if uint64(avail) > usize {
			return formatError(where, "last chunk has stored size %d > uncompressed size %d", avail, usize)
		}
		in, err := v.in.fill(int(avail))
		if err != nil {
			return err
		}
		if len(in) < int(avail) {
			return fmt.Errorf("%w: %s: file ends at offset %d, the header declares %d bytes", ErrFormat, where, v.in.off+int64(len(in)), h.TotalSize)
		}
		in = in[:avail]
		var out []byte
		var ssize int
		switch {
		case p.Compression == CompressionNone:
			out, ssize = in[:usize], int(usize)
		case i == n-1:
			// The last chunk's stored size is what is left.
			ssize = int(avail)
			if uint64(ssize) > usize {
				return formatError(where, "last chunk has stored size %d > uncompressed size %d", ssize, usize)
			}
			if uint64(ssize) == usize {
				out = in
			} else if out, err = v.heap.exact(in, int(usize)); err != nil {
				return formatError(where, "%s: %v", p.Compression, err)
			}
		default:
			var used int
			out, used, err = v.heap.stream(in, int(usize))
			switch {
			case err == nil && used < int(usize):
				ssize = used
			case len(in) >= int(usize):
				// Stored raw (or a corrupt compressed chunk: the table
				// tells, below).
				out, ssize = in[:usize], int(usize)
				if err != nil && v.suspect == "" {
					v.suspect = fmt.Sprintf("%s was taken as stored raw because it does not decompress: %s: %v", where, p.Compression, err)
				}
			case err != nil:
				return formatError(where, "%s: %v", p.Compression, err)
			default:
				return formatError(where, "%s stream of %d bytes is not smaller than the chunk", p.Compression, used)
			}
			stored = append(stored, uint16(ssize-1))
		}
		v.keepTail(i*cs, out)
		v.in.consume(ssize)
	}
	if tableLen == 0 {
		return nil
	}
	tableOff := v.in.off
	for i := 0; i < len(stored); {
		// The table may be larger than the window: compare it in pieces.
		k := min(len(stored)-i, MaxChunkSize/2)
		table, err := v.in.fill(2 * k)
		if err != nil {
			return err
		}
		if len(table) < 2*k {
			return fmt.Errorf("%w: heap chunk-size table at offset %d: file ends at offset %d, the header declares %d bytes", ErrFormat, tableOff, v.in.off+int64(len(table)), h.TotalSize)
		}
		for j := range k {
			s := stored[i+j]
			if t := binary.BigEndian.Uint16(table[2*j:]); t != s {
				where := fmt.Sprintf("heap chunk %d of %d", i+j, n)
				if int(s)+1 == int(cs) && v.suspect != "" {
					return formatError(where, "chunk-size table at offset %d says %d stored bytes, and the chunk does not decompress", tableOff, int(t)+1)
				}
				return formatError(where, "chunk-size table at offset %d says %d stored bytes, the chunk's data is %d bytes", tableOff, int(t)+1, int(s)+1)
			}
		}
		v.in.consume(2 * k)
		i += k
	}
	v.suspect = "" // every chunk taken as stored was stored
	return nil
}

// keepTail copies the part of the uncompressed chunk at heap offset off
// that belongs to the TOC or the package attributes.
func (v *validator) keepTail(off uint64, chunk []byte) {
	tocOff := v.h.TOCOffset()
	end := off + uint64(len(chunk))
	if end <= tocOff {
		return
	}
	if v.tail == nil {
		// Grows as data arrives, at most to the sections' size.
		v.tail = make([]byte, 0, min(v.h.HeapUncompressedSize-tocOff, sectionStep))
	}
	v.tail = append(v.tail, chunk[max(off, tocOff)-off:]...)
}

// parseSections parses the package attributes and the TOC and checks the
// data references.
func (v *validator) parseSections() (*Validated, error) {
	h := &v.h
	res := &Validated{Header: *h, Size: int64(h.TotalSize)}
	tail := string(v.tail)
	v.tail = nil
	const where = "package attributes"
	d, err := newDecoderString(tail[h.TOCLength:], uint64(h.AttributesStringsLength), uint64(h.AttributesStringsCount), where)
	if err != nil {
		return nil, err
	}
	if res.Info, err = ReadPackageInfo(d); err != nil {
		return nil, err
	}
	if d, err = newDecoderString(tail[:h.TOCLength], h.TOCStringsLength, h.TOCStringsCount, "TOC"); err != nil {
		return nil, err
	}
	d.CheckData, d.DataLimit = true, h.TOCOffset()
	type ref struct {
		off, size  uint64
		name, attr string // entry name; attribute name for an attribute's data
	}
	var refs []ref
	p := &Package{Header: *h} // no heap: no tree is kept, nothing is opened
	_, err = p.parseTOC(d, func(e *Entry) {
		res.Entries++
		if e.Data.InHeap && e.Data.Size > 0 {
			refs = append(refs, ref{e.Data.Offset, e.Data.Size, e.Name, ""})
		}
		for _, x := range e.Xattrs {
			res.Xattrs++
			if x.Data.InHeap && x.Data.Size > 0 {
				refs = append(refs, ref{x.Data.Offset, x.Data.Size, e.Name, x.Name})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if a.off != b.off {
			if a.off < b.off {
				return -1
			}
			return 1
		}
		return 0
	})
	for i, rf := range refs {
		if i > 0 && refs[i-1].off+refs[i-1].size > rf.off {
			pr := refs[i-1]
			what := func(r ref) string {
				if r.attr != "" {
					return fmt.Sprintf("attribute %q of %q", r.attr, r.name)
				}
				return fmt.Sprintf("%q", r.name)
			}
			return nil, formatError("TOC", "data of %s (%d bytes at heap offset %d) overlaps the data of %s (%d bytes at %d)",
				what(rf), rf.size, rf.off, what(pr), pr.size, pr.off)
		}
		res.DataBytes += rf.size
	}
	return res, nil
}
