package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
)

// Token is a configured token: its name (for logs and audit), its role and
// the hash of its text.
type Token struct {
	Name string
	Role Role
	Hash Hash
}

// maxNameLen bounds a token's name.
const maxNameLen = 64

// ValidName checks a token name: 1 to 64 of A-Z a-z 0-9 . _ - (it appears
// in logs and audit records, so nothing that needs quoting).
func ValidName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w: token name %q must have 1 to %d characters", ErrInvalid, name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: token name %q: only letters, digits, '.', '_' and '-'", ErrInvalid, name)
		}
	}
	return nil
}

// Keyring is the set of configured tokens. It is immutable and safe for
// concurrent use.
type Keyring struct {
	tokens []Token
}

// NewKeyring checks tokens (valid names and roles, no name or hash twice)
// and returns them as a Keyring. An empty keyring refuses every token.
func NewKeyring(tokens []Token) (*Keyring, error) {
	var errs []error
	names := map[string]bool{}
	hashes := map[Hash]string{}
	for _, t := range tokens {
		if err := ValidName(t.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if !t.Role.Includes(RoleRead) {
			errs = append(errs, fmt.Errorf("%w: token %s: no role", ErrInvalid, t.Name))
		}
		if names[t.Name] {
			errs = append(errs, fmt.Errorf("%w: token name %s given twice", ErrInvalid, t.Name))
		}
		names[t.Name] = true
		if other, ok := hashes[t.Hash]; ok {
			errs = append(errs, fmt.Errorf("%w: tokens %s and %s have the same hash", ErrInvalid, other, t.Name))
		}
		hashes[t.Hash] = t.Name
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Keyring{tokens: append([]Token(nil), tokens...)}, nil
}

// Lookup returns the configured token whose hash is the hash of text. It
// compares against every configured hash in constant time and does not
// stop at a match, so its duration does not depend on which token (if
// any) matched or on how much of a hash did.
func (k *Keyring) Lookup(text string) (Token, bool) {
	h := HashToken(text)
	found := -1
	for i := range k.tokens {
		if subtle.ConstantTimeCompare(h[:], k.tokens[i].Hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Token{}, false
	}
	return k.tokens[found], true
}

// Len is the number of configured tokens.
func (k *Keyring) Len() int { return len(k.tokens) }
