package hpkg

import (
	"encoding/binary"
	"fmt"
)

// HPKG (package file) header constants (FORMATS.md §1.2).
const (
	Magic        = "hpkg"
	HeaderSize   = 80
	Version      = 2
	MinorVersion = 1 // what current Haiku writes (B_HPKG_MINOR_VERSION)
)

// Header is the 80-byte big-endian header of a package file (struct
// hpkg_header). Reserved1 is garbage in real files: it is read but never
// checked, and written as 0.
type Header struct {
	HeaderSize              uint16
	Version                 uint16
	TotalSize               uint64
	MinorVersion            uint16
	Compression             Compression
	ChunkSize               uint32
	HeapCompressedSize      uint64 // chunk-size table included
	HeapUncompressedSize    uint64
	AttributesLength        uint32 // package-attributes section, string table included
	AttributesStringsLength uint32
	AttributesStringsCount  uint32
	Reserved1               uint32
	TOCLength               uint64 // TOC section, string table included
	TOCStringsLength        uint64
	TOCStringsCount         uint64
}

// AttributesOffset and TOCOffset return where the sections start in the
// uncompressed heap (valid after parseHeader accepted h).
func (h *Header) AttributesOffset() uint64 {
	return h.HeapUncompressedSize - uint64(h.AttributesLength)
}

// TOCOffset returns the heap offset of the TOC section.
func (h *Header) TOCOffset() uint64 { return h.AttributesOffset() - h.TOCLength }

// heapParams returns the heap description of h.
func (h *Header) heapParams() HeapParams {
	return HeapParams{
		Offset:           int64(h.HeaderSize),
		Compression:      h.Compression,
		ChunkSize:        h.ChunkSize,
		CompressedSize:   h.HeapCompressedSize,
		UncompressedSize: h.HeapUncompressedSize,
	}
}

// parseHeader decodes and checks the header at the start of b (at least 8
// bytes; HeaderSize for a v2 file) of a file of fileSize bytes.
func parseHeader(b []byte, fileSize int64) (Header, error) {
	const where = "package header"
	be := binary.BigEndian
	if len(b) < 8 || string(b[:4]) != Magic {
		return Header{}, fmt.Errorf("%w: %s at offset 0: magic %q, want %q", ErrMagic, where, b[:min(4, len(b))], Magic)
	}
	h := Header{HeaderSize: be.Uint16(b[4:]), Version: be.Uint16(b[6:])}
	if h.Version != Version {
		if h.Version == 1 {
			return h, fmt.Errorf("%w: %s at offset 6: version 1 (the 2011–2013 format) is not supported, only version %d", ErrVersion, where, Version)
		}
		return h, fmt.Errorf("%w: %s at offset 6: version %d, only %d is supported", ErrVersion, where, h.Version, Version)
	}
	if len(b) < HeaderSize {
		return h, formatError(where, "file is %d bytes, shorter than the %d-byte header", fileSize, HeaderSize)
	}
	h = Header{
		HeaderSize:              h.HeaderSize,
		Version:                 h.Version,
		TotalSize:               be.Uint64(b[8:]),
		MinorVersion:            be.Uint16(b[16:]),
		Compression:             Compression(be.Uint16(b[18:])),
		ChunkSize:               be.Uint32(b[20:]),
		HeapCompressedSize:      be.Uint64(b[24:]),
		HeapUncompressedSize:    be.Uint64(b[32:]),
		AttributesLength:        be.Uint32(b[40:]),
		AttributesStringsLength: be.Uint32(b[44:]),
		AttributesStringsCount:  be.Uint32(b[48:]),
		Reserved1:               be.Uint32(b[52:]),
		TOCLength:               be.Uint64(b[56:]),
		TOCStringsLength:        be.Uint64(b[64:]),
		TOCStringsCount:         be.Uint64(b[72:]),
	}
	if h.HeaderSize < HeaderSize || int64(h.HeaderSize) > fileSize {
		return h, formatError(where+" at offset 4", "header size %d (want at least %d, file is %d bytes)", h.HeaderSize, HeaderSize, fileSize)
	}
	if h.TotalSize != uint64(fileSize) {
		return h, formatError(where+" at offset 8", "total size %d, but the file is %d bytes", h.TotalSize, fileSize)
	}
	if h.HeapCompressedSize != uint64(fileSize)-uint64(h.HeaderSize) {
		return h, formatError(where+" at offset 24", "heap compressed size %d, but %d bytes follow the header", h.HeapCompressedSize, uint64(fileSize)-uint64(h.HeaderSize))
	}
	U := h.HeapUncompressedSize
	if uint64(h.AttributesLength) > U || h.TOCLength > U-uint64(h.AttributesLength) {
		return h, formatError(where+" at offset 40", "attributes (%d bytes) and TOC (%d bytes) do not fit in the %d-byte heap", h.AttributesLength, h.TOCLength, U)
	}
	if h.AttributesStringsLength > h.AttributesLength {
		return h, formatError(where+" at offset 44", "attribute strings length %d exceeds the attributes length %d", h.AttributesStringsLength, h.AttributesLength)
	}
	if h.TOCStringsLength > h.TOCLength {
		return h, formatError(where+" at offset 64", "TOC strings length %d exceeds the TOC length %d", h.TOCStringsLength, h.TOCLength)
	}
	return h, nil
}

// appendHeader appends the 80-byte encoding of h (Reserved1 written as 0).
func appendHeader(b []byte, h *Header) []byte {
	be := binary.BigEndian
	b = append(b, Magic...)
	b = be.AppendUint16(b, h.HeaderSize)
	b = be.AppendUint16(b, h.Version)
	b = be.AppendUint64(b, h.TotalSize)
	b = be.AppendUint16(b, h.MinorVersion)
	b = be.AppendUint16(b, uint16(h.Compression))
	b = be.AppendUint32(b, h.ChunkSize)
	b = be.AppendUint64(b, h.HeapCompressedSize)
	b = be.AppendUint64(b, h.HeapUncompressedSize)
	b = be.AppendUint32(b, h.AttributesLength)
	b = be.AppendUint32(b, h.AttributesStringsLength)
	b = be.AppendUint32(b, h.AttributesStringsCount)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint64(b, h.TOCLength)
	b = be.AppendUint64(b, h.TOCStringsLength)
	return be.AppendUint64(b, h.TOCStringsCount)
}
