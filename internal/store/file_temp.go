package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempCleaner is implemented by stores whose interrupted writes leave
// temporary objects behind (File: the ".~kiln-tmp-*" file of a writer that
// was killed, beside the key it was writing; such files are never listed).
type TempCleaner interface {
	// CleanTemps finds the temporary files under prefix last modified
	// before before and, with remove, deletes them. It returns what it
	// found (Key is the temp file's path relative to the store, with '/').
	// A writer that is still running keeps its temp file's modification
	// time fresh, so a cutoff well in the past spares it.
	CleanTemps(ctx context.Context, prefix string, before time.Time, remove bool) ([]ObjectInfo, error)
}

var _ TempCleaner = (*File)(nil)

// CleanTemps implements TempCleaner; it walks the directories under
// prefix's directory without following links.
func (s *File) CleanTemps(ctx context.Context, prefix string, before time.Time, remove bool) ([]ObjectInfo, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	start := prefix[:strings.LastIndexByte(prefix, '/')+1]
	dir := filepath.Join(s.root, filepath.FromSlash(start))
	if err := s.noSymlinks(start, dir); err != nil {
		return nil, err
	}
	var out []ObjectInfo
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		rel, _ := filepath.Rel(s.root, p)
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil || !fi.ModTime().Before(before) {
			return nil // gone meanwhile, or still being written
		}
		if remove {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("store: remove %s: %w", key, err)
			}
		}
		out = append(out, ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime().UTC()})
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: clean temp files under %q: %w", prefix, err)
	}
	return out, nil
}
