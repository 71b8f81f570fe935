package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Prefix starts every token, so a leaked one is recognisable (and
// findable by secret scanners).
const Prefix = "kiln_"

// tokenBytes is the random part of a token: 256 bits.
const tokenBytes = 32

// tokenLen is the length of a printed token.
var tokenLen = len(Prefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// hashPrefix starts a hash as the config spells it.
const hashPrefix = "sha256:"

// Hash is the SHA-256 of a token's text. A plain hash (no salt, no slow
// KDF) is enough because a token is 256 random bits: there is no
// dictionary to try and brute force of the hash is as hopeless as of the
// token itself; salts and slow hashes exist for low-entropy passwords.
type Hash [sha256.Size]byte

// HashToken returns the hash of token as stored in the config.
func HashToken(token string) Hash { return sha256.Sum256([]byte(token)) }

// String is "sha256:" and 64 lower-case hex digits, as the config holds it.
func (h Hash) String() string { return hashPrefix + hex.EncodeToString(h[:]) }

// ParseHash reads "sha256:<64 hex digits>".
func ParseHash(s string) (Hash, error) {
	var h Hash
	hexPart, ok := strings.CutPrefix(s, hashPrefix)
	if !ok {
		return h, fmt.Errorf("%w: hash must start with %q (from `kiln token create`)", ErrInvalid, hashPrefix)
	}
	if len(hexPart) != 2*len(h) {
		return h, fmt.Errorf("%w: hash must have %d hex digits after %q, not %d", ErrInvalid, 2*len(h), hashPrefix, len(hexPart))
	}
	if _, err := hex.Decode(h[:], []byte(hexPart)); err != nil {
		return h, fmt.Errorf("%w: hash is not hex", ErrInvalid)
	}
	return h, nil
}

// Generate returns a new token and its hash, reading randomness from r
// (crypto/rand.Reader when r is nil).
func Generate(r io.Reader) (string, Hash, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [tokenBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", Hash{}, fmt.Errorf("auth: generating a token: %w", err)
	}
	tok := Prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return tok, HashToken(tok), nil
}

// wellFormed reports whether s looks like a token Generate makes. It only
// decides between "malformed" and "unknown" in refusals; the lookup is by
// hash either way.
func wellFormed(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(s) != tokenLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
