package pkginfo

import "errors"

// Sentinel errors of this package; errors returned by it wrap one of them.
var (
	ErrUnknownArchitecture = errors.New("pkginfo: unknown architecture")
	ErrBadVersion          = errors.New("pkginfo: invalid version")
	ErrSyntax              = errors.New("pkginfo: syntax error")
	ErrInvalid             = errors.New("pkginfo: invalid package info")
)
