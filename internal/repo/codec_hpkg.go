package repo

import (
	"io"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// HPKGCodec is the Codec backed by internal/hpkg (HPKG reader, HPKR
// reader and writer).
type HPKGCodec struct{}

// WriteRepo implements Codec with hpkg.WriteRepository (deterministic).
func (HPKGCodec) WriteRepo(w io.Writer, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error {
	return hpkg.WriteRepository(w, info, pkgs)
}

// ReadRepo implements Codec with hpkg.ReadRepository.
func (HPKGCodec) ReadRepo(r io.ReaderAt, size int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error) {
	rep, err := hpkg.ReadRepository(r, size)
	if err != nil {
		return pkginfo.RepositoryInfo{}, nil, err
	}
	return rep.Info, rep.Packages, nil
}

// ReadPackage implements Codec with hpkg.Open (reads the header and the
// package attributes only, not the file contents).
func (HPKGCodec) ReadPackage(r io.ReaderAt, size int64) (pkginfo.PackageInfo, error) {
	p, err := hpkg.Open(r, size)
	if err != nil {
		return pkginfo.PackageInfo{}, err
	}
	return p.Info, nil
}

// NewPackageCheck implements PackageValidator with hpkg.Validator.
func (HPKGCodec) NewPackageCheck() PackageCheck { return hpkgCheck{hpkg.NewValidator()} }

type hpkgCheck struct{ v *hpkg.Validator }

func (c hpkgCheck) Write(p []byte) (int, error) { return c.v.Write(p) }

func (c hpkgCheck) Close() (pkginfo.PackageInfo, error) {
	res, err := c.v.Close()
	if err != nil {
		return pkginfo.PackageInfo{}, err
	}
	return res.Info, nil
}
