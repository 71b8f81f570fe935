package hpkg

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// RepoSHA256 returns the content of repo.sha256 for the repository file
// read from r: the SHA-256 of the whole file as 64 lowercase hex
// characters, no newline (FORMATS.md §2.5).
func RepoSHA256(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RepoSHA256Bytes is RepoSHA256 for a repository file held in memory.
func RepoSHA256Bytes(repo []byte) string {
	s := sha256.Sum256(repo)
	return hex.EncodeToString(s[:])
}
