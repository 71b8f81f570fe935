package hpkg

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// DirPackage is a package to be created from a directory: its parsed
// .PackageInfo, that file's text, and the other entries.
type DirPackage struct {
	Info     *pkginfo.PackageInfo
	InfoText []byte
	InfoTime time.Time // modification time of the .PackageInfo file
	Entries  []*Entry
}

// ReadDir prepares a package from the directory dir laid out as for Haiku's
// `package create`: dir/.PackageInfo describes the package and everything
// else in dir becomes the package's file tree (directories, regular files
// and symlinks; other file types are an error). Entries are sorted by name
// so the result is reproducible; permissions come from the file modes and
// all three times from the modification time. Extended attributes of the
// files are not read (Linux xattrs carry no Haiku type code). File contents
// are opened only when WritePackage needs them.
func ReadDir(dir string) (*DirPackage, error) {
	infoPath := filepath.Join(dir, PackageInfoFile)
	text, err := os.ReadFile(infoPath)
	if err != nil {
		return nil, fmt.Errorf("hpkg: %w", err)
	}
	info, err := pkginfo.ParsePackageInfoBytes(text, infoPath)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(infoPath)
	if err != nil {
		return nil, fmt.Errorf("hpkg: %w", err)
	}
	entries, err := dirEntries(dir, true)
	if err != nil {
		return nil, err
	}
	return &DirPackage{Info: info, InfoText: text, InfoTime: fi.ModTime(), Entries: entries}, nil
}

// WriteDirPackage writes the package ReadDir prepared (with the original
// .PackageInfo text) to w.
func WriteDirPackage(w io.Writer, dp *DirPackage, opts WriteOptions) error {
	opts.PackageInfoText = dp.InfoText
	opts.PackageInfoTime = dp.InfoTime
	return WritePackage(w, dp.Info, dp.Entries, opts)
}

func dirEntries(dir string, root bool) ([]*Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("hpkg: %w", err)
	}
	var out []*Entry
	for _, de := range des {
		if root && de.Name() == PackageInfoFile {
			continue
		}
		p := filepath.Join(dir, de.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("hpkg: %w", err)
		}
		mt := fi.ModTime()
		e := &Entry{Name: de.Name(), Perm: uint32(fi.Mode().Perm()), ATime: mt, MTime: mt, CrTime: mt}
		switch {
		case fi.Mode().IsRegular():
			e.Type = FileRegular
			e.Size = fi.Size()
			e.Open = func() (io.ReadCloser, error) { return os.Open(p) }
		case fi.IsDir():
			e.Type = FileDirectory
			if e.Children, err = dirEntries(p, false); err != nil {
				return nil, err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			e.Type = FileSymlink
			if e.LinkTarget, err = os.Readlink(p); err != nil {
				return nil, fmt.Errorf("hpkg: %w", err)
			}
		default:
			return nil, fmt.Errorf("hpkg: %s: unsupported file type %s", p, fi.Mode().Type())
		}
		out = append(out, e)
	}
	return out, nil
}
