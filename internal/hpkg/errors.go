package hpkg

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error this package returns for bad input wraps one.
var (
	// ErrMagic means the file does not start with the expected magic.
	ErrMagic = errors.New("hpkg: bad magic")
	// ErrVersion means an unsupported format version (e.g. HPKG v1).
	ErrVersion = errors.New("hpkg: unsupported format version")
	// ErrFormat means malformed or inconsistent data.
	ErrFormat = errors.New("hpkg: invalid format")
	// ErrLimit means the input exceeds one of this package's limits
	// (section size, nesting depth, attribute count).
	ErrLimit = errors.New("hpkg: limit exceeded")
	// ErrNotFound means a path does not exist in the package.
	ErrNotFound = errors.New("hpkg: no such entry")
)

// formatError returns an ErrFormat error naming where (e.g. "heap chunk 3 at
// offset 1234") and what.
func formatError(where, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrFormat, where, fmt.Sprintf(format, args...))
}
