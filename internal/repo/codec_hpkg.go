package repo

import (
	"errors"
	"io"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// errCodecPending is returned until internal/hpkg's reader and writer land.
var errCodecPending = errors.New("repo: HPKG codec not available yet")

// HPKGCodec is the Codec backed by internal/hpkg and internal/pkginfo.
type HPKGCodec struct{}

func (HPKGCodec) WriteRepo(io.Writer, pkginfo.RepositoryInfo, []pkginfo.PackageInfo) error {
	return errCodecPending
}

func (HPKGCodec) ReadRepo(io.ReaderAt, int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error) {
	return pkginfo.RepositoryInfo{}, nil, errCodecPending
}

func (HPKGCodec) ReadPackage(io.ReaderAt, int64) (pkginfo.PackageInfo, error) {
	return pkginfo.PackageInfo{}, errCodecPending
}

func (HPKGCodec) WriteRepoInfo(io.Writer, pkginfo.RepositoryInfo) error { return errCodecPending }

func (HPKGCodec) ParseRepoInfo(io.Reader) (pkginfo.RepositoryInfo, error) {
	return pkginfo.RepositoryInfo{}, errCodecPending
}
