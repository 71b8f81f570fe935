package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key accepted, in bytes (S3's limit).
const MaxKeyLen = 1024

// ValidateKey reports whether key is acceptable to every backend: not
// empty, at most MaxKeyLen bytes, valid UTF-8 without control characters,
// slash-separated segments that are neither empty, "." nor "..", and no
// leading or trailing slash. The error wraps ErrInvalidKey.
func ValidateKey(key string) error {
	if err := validateKey(key); err != nil {
		return fmt.Errorf("%w: %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

type keyError string

func (e keyError) Error() string { return string(e) }

func validateKey(key string) error {
	switch {
	case key == "":
		return keyError("empty")
	case len(key) > MaxKeyLen:
		return keyError(fmt.Sprintf("longer than %d bytes", MaxKeyLen))
	case !utf8.ValidString(key):
		return keyError("not valid UTF-8")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return keyError("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return keyError("empty segment (leading, trailing or double slash)")
		case ".", "..":
			return keyError(`"." or ".." segment`)
		}
	}
	return nil
}

// ValidatePrefix checks a List prefix: empty, or a string whose part up to
// its last slash is a key followed by a slash, and whose last (partial)
// segment is valid UTF-8 without control characters. "a/b/", "a/b" and
// "a/." are prefixes; "/a", "a//" and "../" are not.
func ValidatePrefix(prefix string) error {
	if len(prefix) > MaxKeyLen {
		return fmt.Errorf("%w: prefix longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	dir, last := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir, last = prefix[:i], prefix[i+1:]
		if err := validateKey(dir); err != nil {
			return fmt.Errorf("%w: prefix %q: %s", ErrInvalidKey, prefix, err)
		}
	}
	if last != "" {
		// A partial segment may be "." or ".." (as in ".kiln"), but must
		// otherwise be acceptable in a key.
		if err := validateKey(strings.ReplaceAll(last, ".", "x")); err != nil {
			return fmt.Errorf("%w: prefix %q: %s", ErrInvalidKey, prefix, err)
		}
	}
	return nil
}

// SafeSegment reports whether s can stand as one segment of a key that
// also appears in URLs and file names (snapshot ids, run ids, builder
// names): 1 to 128 of the characters a-z A-Z 0-9 - _ ., not starting
// with a dot.
func SafeSegment(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
