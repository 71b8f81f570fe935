package repo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// ImportDir builds a target's first snapshot from a local directory: either
// a directory of .hpkg files (with repo.info beside them or given in o), or
// a HaikuPorter repository directory (repo, repo.info and packages/, whose
// packages may be 0-byte stubs of files already in the store).
func (r *Repo) ImportDir(ctx context.Context, dir string, o ImportOptions) (*ImportResult, error) {
	var items []importItem
	var repoFile []byte
	if b, err := os.ReadFile(filepath.Join(dir, FileRepo)); err == nil {
		repoFile = b
	}
	if o.Info == nil {
		if f, err := os.Open(filepath.Join(dir, FileRepoInfo)); err == nil {
			info, err := pkginfo.ParseRepositoryInfo(f, filepath.Join(dir, FileRepoInfo))
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("repo: import %s: %w", dir, err)
			}
			o.Info = info
		}
	}
	pkgDir := dir
	if fi, err := os.Stat(filepath.Join(dir, "packages")); err == nil && fi.IsDir() {
		pkgDir = filepath.Join(dir, "packages")
	}
	ents, err := os.ReadDir(pkgDir)
	if err != nil {
		return nil, fmt.Errorf("repo: import: %w", err)
	}
	local := map[string]string{}
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".hpkg") {
			local[e.Name()] = filepath.Join(pkgDir, e.Name())
		}
	}
	if repoFile != nil {
		info, pkgs, err := r.codec.ReadRepo(bytes.NewReader(repoFile), int64(len(repoFile)))
		if err != nil {
			return nil, fmt.Errorf("repo: import %s: %w", filepath.Join(dir, FileRepo), err)
		}
		if o.Info == nil {
			o.Info = &info
		}
		for i := range pkgs {
			it := importItem{file: pkgs[i].CanonicalFileName(), size: -1, sha256: pkgs[i].Checksum, info: &pkgs[i]}
			if p, ok := local[it.file]; ok {
				if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
					it.size = fi.Size()
					it.open = fileOpener(p)
				}
			}
			items = append(items, it)
		}
	} else {
		for _, p := range local {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if fi.Size() == 0 {
				return nil, fmt.Errorf("repo: import: %s is an empty stub and there is no repo file describing it", p)
			}
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			info, err := r.codec.ReadPackage(f, fi.Size())
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%w %s: %v", ErrBadPackage, p, err)
			}
			items = append(items, importItem{file: info.CanonicalFileName(), size: fi.Size(), info: &info, open: fileOpener(p)})
		}
	}
	return r.runImport(ctx, items, repoFile, o)
}

func fileOpener(p string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return os.Open(p) }
}

// ImportStore builds a target's first snapshot from a HaikuPorter-layout
// prefix (…/current/ holding repo, repo.info and packages/, no .kiln) in
// src, which may be the target's own store and prefix (an in-place
// migration: nothing is copied). Package metadata and checksums come from
// the source repo file; sizes from one listing of packages/.
func (r *Repo) ImportStore(ctx context.Context, src store.Store, prefix string, o ImportOptions) (*ImportResult, error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	b, _, err := getSmall(ctx, src, prefix+FileRepo, maxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("repo: import from %s: %w", src, err)
	}
	info, pkgs, err := r.codec.ReadRepo(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("repo: import %s%s: %w", prefix, FileRepo, err)
	}
	if o.Info == nil {
		if ib, _, err := getSmall(ctx, src, prefix+FileRepoInfo, pkginfo.MaxTextSize); err == nil {
			if i, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(ib), prefix+FileRepoInfo); err == nil {
				info = *i
			}
		}
		o.Info = &info
	}
	sizes := map[string]int64{}
	pp := prefix + "packages/"
	err = src.List(ctx, pp, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			sizes[strings.TrimPrefix(oi.Key, pp)] = oi.Size
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("repo: import: list %s: %w", pp, err)
	}
	sameStore := src == r.st
	var items []importItem
	for i := range pkgs {
		file := pkgs[i].CanonicalFileName()
		size, ok := sizes[file]
		if !ok {
			return nil, fmt.Errorf("repo: import: %s lists %s, which is not in %s", prefix+FileRepo, file, pp)
		}
		key := pp + file
		it := importItem{file: file, size: size, sha256: pkgs[i].Checksum, info: &pkgs[i]}
		it.open = func(ctx context.Context) (io.ReadCloser, error) {
			rc, _, err := src.Get(ctx, key, store.GetOptions{})
			return rc, err
		}
		if sameStore {
			it.srcKey = key
		}
		items = append(items, it)
	}
	return r.runImport(ctx, items, b, o)
}
