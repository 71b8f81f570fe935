package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// hashingSection reads size bytes of an io.ReaderAt while hashing them. It
// is an io.Seeker that can only rewind to the start (restarting the hash),
// so a retrying store can replay a failed upload.
type hashingSection struct {
	*io.SectionReader
	h hash.Hash
}

func newHashingSection(r io.ReaderAt, size int64) *hashingSection {
	return &hashingSection{SectionReader: io.NewSectionReader(r, 0, size), h: sha256.New()}
}

func (s *hashingSection) Read(p []byte) (int, error) {
	n, err := s.SectionReader.Read(p)
	s.h.Write(p[:n])
	return n, err
}

func (s *hashingSection) Seek(off int64, whence int) (int64, error) {
	cur, _ := s.SectionReader.Seek(0, io.SeekCurrent)
	if whence == io.SeekCurrent && off == 0 {
		return cur, nil
	}
	if (whence == io.SeekStart && off == 0) || (whence == io.SeekCurrent && off == -cur) {
		s.h.Reset()
		return s.SectionReader.Seek(0, io.SeekStart)
	}
	return cur, errors.New("repo: upload body can only be rewound to its start")
}

func (s *hashingSection) sum() string { return hex.EncodeToString(s.h.Sum(nil)) }
