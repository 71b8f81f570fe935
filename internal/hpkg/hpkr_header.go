package hpkg

import (
	"encoding/binary"
	"fmt"
)

// HPKR (repository file) header constants (FORMATS.md §2.1).
const (
	RepoMagic        = "hpkr"
	RepoHeaderSize   = 72
	RepoVersion      = 2
	RepoMinorVersion = 1 // what current Haiku writes (B_HPKG_REPO_MINOR_VERSION)
)

// RepoHeader is the 72-byte big-endian header of a repository file
// (struct hpkg_repo_header).
type RepoHeader struct {
	HeaderSize            uint16
	Version               uint16
	TotalSize             uint64
	MinorVersion          uint16
	Compression           Compression
	ChunkSize             uint32
	HeapCompressedSize    uint64 // chunk-size table included
	HeapUncompressedSize  uint64
	InfoLength            uint32 // the flattened repository-info BMessage
	Reserved1             uint32 // garbage in real files; ignored, written as 0
	PackagesLength        uint64 // packages section, string table included
	PackagesStringsLength uint64
	PackagesStringsCount  uint64
}

// parseRepoHeader decodes and checks the header in b (at least
// RepoHeaderSize bytes) of a file of fileSize bytes.
func parseRepoHeader(b []byte, fileSize int64) (RepoHeader, error) {
	be := binary.BigEndian
	if string(b[:4]) != RepoMagic {
		return RepoHeader{}, fmt.Errorf("%w: repository header: magic %q, want %q", ErrMagic, b[:4], RepoMagic)
	}
	h := RepoHeader{
		HeaderSize:            be.Uint16(b[4:]),
		Version:               be.Uint16(b[6:]),
		TotalSize:             be.Uint64(b[8:]),
		MinorVersion:          be.Uint16(b[16:]),
		Compression:           Compression(be.Uint16(b[18:])),
		ChunkSize:             be.Uint32(b[20:]),
		HeapCompressedSize:    be.Uint64(b[24:]),
		HeapUncompressedSize:  be.Uint64(b[32:]),
		InfoLength:            be.Uint32(b[40:]),
		Reserved1:             be.Uint32(b[44:]),
		PackagesLength:        be.Uint64(b[48:]),
		PackagesStringsLength: be.Uint64(b[56:]),
		PackagesStringsCount:  be.Uint64(b[64:]),
	}
	const where = "repository header"
	if h.Version != RepoVersion {
		return h, fmt.Errorf("%w: %s: version %d, only %d is supported", ErrVersion, where, h.Version, RepoVersion)
	}
	if h.HeaderSize != RepoHeaderSize {
		return h, formatError(where, "header size %d, want %d", h.HeaderSize, RepoHeaderSize)
	}
	if h.TotalSize != uint64(fileSize) {
		return h, formatError(where, "total size %d, but the file has %d bytes", h.TotalSize, fileSize)
	}
	if h.HeapCompressedSize != uint64(fileSize)-RepoHeaderSize {
		return h, formatError(where, "heap compressed size %d, but %d bytes follow the header", h.HeapCompressedSize, uint64(fileSize)-RepoHeaderSize)
	}
	if uint64(h.InfoLength) > h.HeapUncompressedSize || h.PackagesLength != h.HeapUncompressedSize-uint64(h.InfoLength) {
		return h, formatError(where, "repository info (%d bytes) and packages section (%d bytes) do not make up the heap (%d bytes)",
			h.InfoLength, h.PackagesLength, h.HeapUncompressedSize)
	}
	if h.PackagesStringsLength > h.PackagesLength {
		return h, formatError(where, "packages string table of %d bytes exceeds the packages section of %d bytes", h.PackagesStringsLength, h.PackagesLength)
	}
	if h.PackagesStringsCount > h.PackagesStringsLength {
		return h, formatError(where, "%d strings cannot fit in a string table of %d bytes", h.PackagesStringsCount, h.PackagesStringsLength)
	}
	return h, nil
}

// appendRepoHeader appends h in its 72-byte big-endian form.
func appendRepoHeader(b []byte, h *RepoHeader) []byte {
	be := binary.BigEndian
	b = append(b, RepoMagic...)
	b = be.AppendUint16(b, h.HeaderSize)
	b = be.AppendUint16(b, h.Version)
	b = be.AppendUint64(b, h.TotalSize)
	b = be.AppendUint16(b, h.MinorVersion)
	b = be.AppendUint16(b, uint16(h.Compression))
	b = be.AppendUint32(b, h.ChunkSize)
	b = be.AppendUint64(b, h.HeapCompressedSize)
	b = be.AppendUint64(b, h.HeapUncompressedSize)
	b = be.AppendUint32(b, h.InfoLength)
	b = be.AppendUint32(b, h.Reserved1)
	b = be.AppendUint64(b, h.PackagesLength)
	b = be.AppendUint64(b, h.PackagesStringsLength)
	b = be.AppendUint64(b, h.PackagesStringsCount)
	return b
}
