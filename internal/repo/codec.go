package repo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Codec is what this package needs from the HPKG/HPKR implementation. The
// default (HPKGCodec) is backed by internal/hpkg and internal/pkginfo.
type Codec interface {
	// WriteRepo writes a repository (HPKR) file from metadata alone; every
	// package carries its Checksum. Same input must give the same bytes.
	WriteRepo(w io.Writer, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error
	// ReadRepo reads a repository file.
	ReadRepo(r io.ReaderAt, size int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error)
	// ReadPackage reads the package info of a package (HPKG) file.
	ReadPackage(r io.ReaderAt, size int64) (pkginfo.PackageInfo, error)
}

// repo.info text is not the codec's business: it is read and written by
// pkginfo.ParseRepositoryInfo and pkginfo.WriteRepositoryInfo, the one
// implementation in kiln.

// files are the generated files of a snapshot.
type files struct {
	repo, repoInfo, repoSHA256, packageList, minisig []byte
}

// generate produces the repository files of m from the manifest alone (no
// package file is read) and sets m.RepoSHA256. sign may be nil.
func generate(c Codec, m *Manifest, sign Signer) (files, error) {
	var f files
	pkgs := make([]pkginfo.PackageInfo, len(m.Packages))
	for i, p := range m.Packages {
		pkgs[i] = p.Info
		pkgs[i].Checksum = p.SHA256
	}
	var buf bytes.Buffer
	if err := c.WriteRepo(&buf, m.Repository, pkgs); err != nil {
		return f, fmt.Errorf("repo: generate repo of snapshot %s: %w", m.ID, err)
	}
	f.repo = buf.Bytes()
	sum := sha256.Sum256(f.repo)
	m.RepoSHA256 = hex.EncodeToString(sum[:])
	f.repoSHA256 = []byte(m.RepoSHA256) // 64 hex characters, no newline, as HaikuPorter
	var ib bytes.Buffer
	if err := pkginfo.WriteRepositoryInfo(&ib, &m.Repository); err != nil {
		return f, fmt.Errorf("repo: generate repo.info of snapshot %s: %w", m.ID, err)
	}
	f.repoInfo = ib.Bytes()
	f.packageList = packageList(m)
	m.Signed = sign != nil
	if sign != nil {
		sig, err := sign.Sign(f.repo, m.Created)
		if err != nil {
			return f, fmt.Errorf("repo: sign snapshot %s: %w", m.ID, err)
		}
		f.minisig = sig
	}
	return f, nil
}

// packageList is package.list as HaikuPorter writes it: one package file
// name a line, sorted.
func packageList(m *Manifest) []byte {
	var b strings.Builder
	for _, p := range m.Packages {
		b.WriteString(p.File)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// named returns the generated files with their names, in the order the
// current/ copies are refreshed: repo.sha256 last.
func (f files) named() []namedFile {
	nf := []namedFile{
		{FileRepoInfo, f.repoInfo},
		{FileRepo, f.repo},
	}
	if f.minisig != nil {
		nf = append(nf, namedFile{FileRepoMinisig, f.minisig})
	}
	nf = append(nf, namedFile{FilePackageList, f.packageList}, namedFile{FileRepoSHA256, f.repoSHA256})
	return nf
}

type namedFile struct {
	name string
	data []byte
}

// PackageValidator is an optional Codec capability: checking a whole
// package file from its bytes, read once and in order (HPKGCodec uses
// hpkg.Validator: every heap chunk, the TOC, the attributes). Publish,
// Import and Ingest validate every package they upload with it, in the
// same pass that hashes it, and Verify with Deep re-validates stored
// packages; a codec without it is trusted with ReadPackage alone.
type PackageValidator interface {
	NewPackageCheck() PackageCheck
}

// PackageCheck receives one package's bytes in order. Write may fail as
// soon as the package is known to be bad; Close must be called once and
// returns the package info or the reason the package is invalid.
type PackageCheck interface {
	io.Writer
	Close() (pkginfo.PackageInfo, error)
}
