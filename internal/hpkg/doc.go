// Package hpkg reads and writes Haiku package files (HPKG, format version 2)
// and holds the codec core shared with the repository (HPKR) code: the
// chunked, compressed heap (heap.go, heapwriter.go), attribute trees
// (attr.go, attrdecoder.go, attrencoder.go) and the mapping between package
// attributes and pkginfo.PackageInfo (pkgattrs.go).
//
// Byte-level facts are documented in FORMATS.md §1 of the design docs; the
// design decisions of this package are in docs/hpkg.md.
//
// Readers never trust a size read from a file: every size is checked
// against the real input size or a limit before anything is allocated from
// it, and malformed input yields an error wrapping ErrFormat (or ErrMagic,
// ErrVersion, ErrLimit) that names what was wrong and where.
package hpkg
