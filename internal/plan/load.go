package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// MaxListSize bounds a JSON package list LoadPackages reads.
const MaxListSize = 256 << 20

// LoadPackages reads package infos from path, which is one of:
//   - a directory: every *.PackageInfo and *.hpkg file in it (not
//     recursive), in file name order;
//   - a .PackageInfo text file or an .hpkg package file;
//   - a .json file holding a list of pkginfo.PackageInfo, or a kiln
//     repository manifest (package repo: an object with "schema" and
//     "packages", each with its "info");
//   - a repository (HPKR) file, e.g. "repo".
//
// Errors name the file. Empty .hpkg files (HaikuPorter's stubs of
// uploaded packages) carry no metadata and are an error.
func LoadPackages(path string) ([]*pkginfo.PackageInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if !st.IsDir() {
		return loadFile(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var out []*pkginfo.PackageInfo
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".PackageInfo") || strings.HasSuffix(n, ".hpkg")) {
			continue
		}
		ps, err := loadFile(filepath.Join(path, n))
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func loadFile(path string) ([]*pkginfo.PackageInfo, error) {
	switch {
	case strings.HasSuffix(path, ".PackageInfo"):
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		defer f.Close()
		p, err := pkginfo.ParsePackageInfo(f, path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return []*pkginfo.PackageInfo{p}, nil
	case strings.HasSuffix(path, ".hpkg"):
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		if st.Size() == 0 {
			return nil, fmt.Errorf("%w: %s: empty package file (a stub) has no metadata", ErrInput, path)
		}
		pk, err := hpkg.OpenFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
		}
		info := pk.Info
		pk.Close()
		return []*pkginfo.PackageInfo{&info}, nil
	case strings.HasSuffix(path, ".json"):
		return loadJSON(path)
	}
	return loadRepository(path)
}

func loadJSON(path string) ([]*pkginfo.PackageInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxListSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if len(b) > MaxListSize {
		return nil, fmt.Errorf("%w: %s: package list larger than %d bytes", ErrInput, path, MaxListSize)
	}
	var list []pkginfo.PackageInfo
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		// A kiln repository manifest (package repo): the packages' infos.
		// Decoded here, not with repo.ParseManifest, so that repo may use
		// this package.
		var m struct {
			Schema   int `json:"schema"`
			Packages []struct {
				Info pkginfo.PackageInfo `json:"info"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
		}
		if m.Schema == 0 {
			return nil, fmt.Errorf("%w: %s: not a package list nor a repository manifest (no schema)", ErrInput, path)
		}
		for _, p := range m.Packages {
			list = append(list, p.Info)
		}
	} else if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	out := make([]*pkginfo.PackageInfo, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out, nil
}

// LoadRepositoryFile reads the packages of a repository (HPKR) file.
func LoadRepositoryFile(path string) (*hpkg.Repository, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	repo, err := hpkg.ReadRepository(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	return repo, nil
}

func loadRepository(path string) ([]*pkginfo.PackageInfo, error) {
	repo, err := LoadRepositoryFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]*pkginfo.PackageInfo, len(repo.Packages))
	for i := range repo.Packages {
		out[i] = &repo.Packages[i]
	}
	// Repository files list packages in their own order; sort by file
	// name so that the first match is deterministic.
	slices.SortStableFunc(out, func(a, b *pkginfo.PackageInfo) int {
		return strings.Compare(a.CanonicalFileName(), b.CanonicalFileName())
	})
	return out, nil
}
