package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Copy copies src to dst under the conditions of opts. It hard-links when
// it can (objects are never modified in place, so sharing the inode is
// safe and dst keeps src's ETag), else copies the bytes.
func (s *File) Copy(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	sp, err := s.path(src)
	if err != nil {
		return ObjectInfo{}, err
	}
	dp, err := s.path(dst)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := s.check(dst, dp, opts); err != nil {
		return ObjectInfo{}, err
	}
	f, info, err := s.open(src, sp)
	if err != nil {
		return ObjectInfo{}, err
	}
	defer f.Close()
	tmp, err := s.createTemp(dp)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: copy %s to %s: %w", src, dst, err)
	}
	name := tmp.Name()
	tmp.Close()
	os.Remove(name)
	// Link by path, keep the link only if it is the file we opened (so that
	// info matches it), else copy the bytes of the opened file.
	if err := os.Link(sp, name); err == nil {
		if fi, err := os.Stat(name); err == nil && sameInode(fi, f) {
			return s.commitLink(ctx, dst, dp, name, info, opts)
		}
		os.Remove(name)
	}
	info.Key = dst
	return s.Put(ctx, dst, f, info.Size, opts)
}

func sameInode(fi os.FileInfo, f *os.File) bool {
	fi2, err := f.Stat()
	return err == nil && os.SameFile(fi, fi2)
}

// commitLink renames the hard link tmp over dp, holding the lock.
func (s *File) commitLink(ctx context.Context, dst, dp, tmp string, info ObjectInfo, opts PutOptions) (ObjectInfo, error) {
	defer os.Remove(tmp) // rename is a no-op when dp is already this inode
	unlock, err := s.lock(ctx)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: copy to %s: %w", dst, err)
	}
	defer unlock()
	if err := s.check(dst, dp, opts); err != nil {
		return ObjectInfo{}, err
	}
	if err := os.Rename(tmp, dp); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: copy to %s: %w", dst, err)
	}
	if err := syncDir(filepath.Dir(dp)); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: copy to %s: %w", dst, err)
	}
	info.Key = dst
	return info, nil
}
