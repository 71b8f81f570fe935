package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// List walks the directory tree in key order. Directory entries sort as
// "name/" so that a depth-first walk yields keys in byte order ("a.txt"
// before "a/b"). With delimiter "/", a directory becomes one prefix entry
// without being walked (only checked to hold at least one object).
func (s *File) List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error {
	if err := ValidatePrefix(prefix); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := prefix[:strings.LastIndexByte(prefix, '/')+1]
	if err := s.noSymlinks(start, filepath.Join(s.root, filepath.FromSlash(start))); err != nil {
		return err
	}
	w := &fileLister{s: s, ctx: ctx, prefix: prefix, delim: delimiter, fn: fn}
	return w.walk(start)
}

type fileLister struct {
	s       *File
	ctx     context.Context
	prefix  string
	delim   string
	fn      func(ObjectInfo) error
	last    string // last common prefix emitted
	depth   int
	visited int
}

type dirEntry struct {
	name  string // as it sorts: directories end in "/"
	entry fs.DirEntry
}

// walk lists the directory of key prefix dirKey ("" or ending in "/").
func (w *fileLister) walk(dirKey string) error {
	ents, err := os.ReadDir(filepath.Join(w.s.root, filepath.FromSlash(dirKey)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // no such prefix, or removed while we walked
		}
		return err
	}
	w.depth++
	defer func() { w.depth-- }()
	sorted := make([]dirEntry, 0, len(ents))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), reservedPrefix) {
			continue
		}
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		sorted = append(sorted, dirEntry{n, e})
	}
	slices.SortFunc(sorted, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	for _, d := range sorted {
		if w.visited++; w.visited%256 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		key := dirKey + d.name
		if d.entry.IsDir() {
			if !strings.HasPrefix(key, w.prefix) && !strings.HasPrefix(w.prefix, key) {
				continue
			}
			if w.delim == "/" && strings.HasPrefix(key, w.prefix) {
				// key ends in its first "/" after the prefix: one entry.
				if ok, err := w.hasObject(key); err != nil {
					return err
				} else if ok {
					if err := w.fn(ObjectInfo{Key: key, IsPrefix: true}); err != nil {
						return err
					}
				}
				continue
			}
			if err := w.walk(key); err != nil {
				return err
			}
			continue
		}
		if !d.entry.Type().IsRegular() || !strings.HasPrefix(key, w.prefix) {
			continue
		}
		if err := w.emit(key); err != nil {
			return err
		}
	}
	return nil
}

func (w *fileLister) emit(key string) error {
	if w.delim != "" {
		if i := strings.Index(key[len(w.prefix):], w.delim); i >= 0 {
			cp := key[:len(w.prefix)+i+len(w.delim)]
			if cp == w.last {
				return nil
			}
			w.last = cp
			return w.fn(ObjectInfo{Key: cp, IsPrefix: true})
		}
	}
	// open pairs size and ETag of one version even while key is replaced.
	f, info, err := w.s.open(key, filepath.Join(w.s.root, filepath.FromSlash(key)))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil // deleted while we walked
		}
		return fmt.Errorf("store: list %s: %w", key, err)
	}
	f.Close()
	return w.fn(info)
}

// hasObject reports whether the directory of dirKey holds an object at
// any depth (empty directories left behind are not prefixes).
func (w *fileLister) hasObject(dirKey string) (bool, error) {
	found := errors.New("found")
	err := filepath.WalkDir(filepath.Join(w.s.root, filepath.FromSlash(dirKey)), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if strings.HasPrefix(d.Name(), reservedPrefix) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			return found
		}
		return nil
	})
	if err == found {
		return true, nil
	}
	return false, err
}
