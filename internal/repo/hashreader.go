package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader { return &hashingReader{r: r, h: sha256.New()} }

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashingReader) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// hashingSection reads size bytes of an io.ReaderAt while hashing them.
// It is a full io.ReadSeeker (stores may seek to measure or replay a
// body); bytes are hashed while they are read in order from the start, and
// if the reads were not one in-order pass, sum re-reads the source.
type hashingSection struct {
	*io.SectionReader
	src    io.ReaderAt
	h      hash.Hash
	hashed int64 // bytes [0, hashed) went through h in order
}

func newHashingSection(r io.ReaderAt, size int64) *hashingSection {
	return &hashingSection{SectionReader: io.NewSectionReader(r, 0, size), src: r, h: sha256.New()}
}

func (s *hashingSection) Read(p []byte) (int, error) {
	pos, _ := s.SectionReader.Seek(0, io.SeekCurrent)
	n, err := s.SectionReader.Read(p)
	if pos == s.hashed {
		s.h.Write(p[:n])
		s.hashed += int64(n)
	}
	return n, err
}

func (s *hashingSection) Seek(off int64, whence int) (int64, error) {
	pos, err := s.SectionReader.Seek(off, whence)
	if err == nil && pos == 0 {
		s.h.Reset()
		s.hashed = 0
	}
	return pos, err
}

// sum returns the SHA-256 of the whole section.
func (s *hashingSection) sum() (string, error) {
	if s.hashed == s.Size() {
		return hex.EncodeToString(s.h.Sum(nil)), nil
	}
	return hashReaderAt(s.src, s.Size())
}
