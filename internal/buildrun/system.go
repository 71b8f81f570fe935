package buildrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// SystemPackages are the packages builds may use that are not in the
// repository (Haiku's system packages: haiku, haiku_devel, …).
type SystemPackages interface {
	// Infos are the packages' infos (for the consistency check).
	Infos() []*pkginfo.PackageInfo
	// Dependency returns the package file as a build dependency.
	Dependency(file string) (builder.Dependency, bool)
}

// SystemDir reads the .hpkg files of a directory as system packages. The
// files are read once for their package info; their SHA-256 is computed
// on first use.
func SystemDir(dir string) (SystemPackages, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("buildrun: system packages: %w", err)
	}
	s := &systemDir{files: map[string]*systemFile{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".hpkg") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		pk, err := hpkg.OpenFile(path)
		if err != nil {
			return nil, fmt.Errorf("buildrun: system package %s: %w", path, err)
		}
		info := pk.Info
		pk.Close()
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("buildrun: system package: %w", err)
		}
		// Builds name the package by its canonical file name.
		f := &systemFile{path: path, size: st.Size()}
		s.files[info.CanonicalFileName()] = f
		if e.Name() != info.CanonicalFileName() {
			s.files[e.Name()] = f
		}
		s.infos = append(s.infos, &info)
	}
	slices.SortFunc(s.infos, func(a, b *pkginfo.PackageInfo) int {
		return strings.Compare(a.CanonicalFileName(), b.CanonicalFileName())
	})
	return s, nil
}

type systemDir struct {
	files map[string]*systemFile
	infos []*pkginfo.PackageInfo
}

type systemFile struct {
	path string
	size int64
	once sync.Once
	sum  string
}

func (s *systemDir) Infos() []*pkginfo.PackageInfo { return s.infos }

func (s *systemDir) Dependency(file string) (builder.Dependency, bool) {
	f, ok := s.files[file]
	if !ok {
		return builder.Dependency{}, false
	}
	f.once.Do(func() {
		if fh, err := os.Open(f.path); err == nil {
			h := sha256.New()
			if _, err := io.Copy(h, fh); err == nil {
				f.sum = hex.EncodeToString(h.Sum(nil))
			}
			fh.Close()
		}
	})
	return builder.Dependency{File: file, Size: f.size, SHA256: f.sum,
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open(f.path) }}, true
}
