package repo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
)

func TestHashingSection(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	s0 := sha256.Sum256(data)
	want := hex.EncodeToString(s0[:])
	for name, read := range map[string]func(s *hashingSection){
		"straight":     func(s *hashingSection) { io.Copy(io.Discard, s) },
		"rewound":      func(s *hashingSection) { io.CopyN(io.Discard, s, 500); s.Seek(0, io.SeekStart); io.Copy(io.Discard, s) },
		"measured":     func(s *hashingSection) { s.Seek(0, io.SeekEnd); s.Seek(0, io.SeekStart); io.Copy(io.Discard, s) },
		"out of order": func(s *hashingSection) { s.Seek(5000, io.SeekStart); io.Copy(io.Discard, s) },
		"partial":      func(s *hashingSection) { io.CopyN(io.Discard, s, 10) },
	} {
		s := newHashingSection(bytes.NewReader(data), int64(len(data)))
		read(s)
		got, err := s.sum()
		if err != nil || got != want {
			t.Errorf("%s: %s %v", name, got, err)
		}
	}
}
