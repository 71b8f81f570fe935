package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Put writes r to key atomically, under the conditions of opts.
func (s *File) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	// Fail early, before streaming; commit checks again under the lock.
	if err := s.check(key, p, opts); err != nil {
		return ObjectInfo{}, err
	}
	tmp, err := s.createTemp(p)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if size >= 0 {
		r = io.LimitReader(r, size)
	}
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	if size >= 0 && n != size {
		return ObjectInfo{}, fmt.Errorf("store: put %s: read %d bytes, want %d: %w", key, n, size, errShortBody)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	info, err := s.commit(ctx, key, p, tmp.Name(), opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	committed = true
	return info, nil
}

// createTemp makes a temp file beside p, creating p's directory (and
// fsyncing the parents of new directories, so that they survive a crash
// with the object); it retries when a concurrent Delete removes the
// directory in between.
func (s *File) createTemp(p string) (*os.File, error) {
	dir := filepath.Dir(p)
	var err error
	for range 5 {
		_, statErr := os.Stat(dir)
		if err = os.MkdirAll(dir, 0o755); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("%w: a parent of the key is an object", ErrInvalidKey)
			}
			return nil, err
		}
		if statErr != nil {
			for d := dir; d != s.root && len(d) > len(s.root); d = filepath.Dir(d) {
				if err := syncDir(filepath.Dir(d)); err != nil {
					return nil, err
				}
			}
		}
		var f *os.File
		f, err = os.CreateTemp(dir, tmpPrefix+"*")
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

// commit gives the temp file a fresh ETag, then, holding the store lock,
// checks the conditions and renames it over p.
func (s *File) commit(ctx context.Context, key, p, tmp string, opts PutOptions) (ObjectInfo, error) {
	etag := newETag()
	if err := setETagAttr(tmp, etag); err != nil {
		etag = "" // no user xattrs here: the stat-derived ETag applies
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	if etag == "" {
		etag = statETag(fi)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	defer unlock()
	if err := s.check(key, p, opts); err != nil {
		return ObjectInfo{}, err
	}
	if err := os.Rename(tmp, p); err != nil {
		if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
			return ObjectInfo{}, fmt.Errorf("%w: %q: a prefix of other objects has this name", ErrInvalidKey, key)
		}
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return ObjectInfo{}, fmt.Errorf("store: put %s: %w", key, err)
	}
	return fileInfo(key, fi, etag), nil
}

// check tests the conditions of opts against the current object; the
// caller holds the lock.
func (s *File) check(key, p string, opts PutOptions) error {
	if !opts.IfNoneMatch && opts.IfMatch == "" {
		return nil
	}
	f, cur, err := s.open(key, p)
	exists := err == nil
	if exists {
		f.Close()
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	switch {
	case opts.IfNoneMatch && exists:
		return fmt.Errorf("%w: %s exists", ErrPreconditionFailed, key)
	case opts.IfMatch != "" && !exists:
		return fmt.Errorf("%w: %s does not exist", ErrPreconditionFailed, key)
	case opts.IfMatch != "" && cur.ETag != opts.IfMatch:
		return fmt.Errorf("%w: %s has ETag %s, not %s", ErrPreconditionFailed, key, cur.ETag, opts.IfMatch)
	}
	return nil
}

func newETag() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
