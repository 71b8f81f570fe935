package pkginfo

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package; errors returned by it wrap one of them.
var (
	ErrUnknownArchitecture = errors.New("pkginfo: unknown architecture")
	ErrBadVersion          = errors.New("pkginfo: invalid version")
	ErrSyntax              = errors.New("pkginfo: syntax error")
	ErrInvalid             = errors.New("pkginfo: invalid package or repository info")
	ErrTooLarge            = errors.New("pkginfo: input too large")
	// ErrEmpty: ParseResolvable or ParseExpression got only white space
	// and/or a comment (recipes contain such entries; skip them).
	ErrEmpty = errors.New("pkginfo: empty (blank or comment only)")
)

// ParseError is a syntax or validity error at a position of a parsed text
// (.PackageInfo, repo.info, a resolvable or an expression). Line and Col are
// 1-based; Col counts bytes. It wraps ErrSyntax and, when set, Err (for
// example ErrBadVersion or ErrUnknownArchitecture).
type ParseError struct {
	File string // file name given to the parser; may be empty
	Line int
	Col  int
	Msg  string
	Err  error
}

func (e *ParseError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// Unwrap returns ErrSyntax and the underlying cause, if any.
func (e *ParseError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrSyntax, e.Err}
	}
	return []error{ErrSyntax}
}
