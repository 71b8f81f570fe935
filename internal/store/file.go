package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// File is the local directory backend. Every object is a plain file at
// DIR/<key>, so the directory can be served as-is by any web server.
//
// Writes stream into a temp file in the object's directory (named
// ".~kiln-tmp-*", never listed), which is fsynced and renamed over the
// key: readers see the old or the new content, never a mix, and a crash
// leaves at most a stray temp file. The check of a condition and the
// rename happen under an exclusive flock(2) on DIR/.~kiln-lock, so
// conditional writes are compare-and-swap even between processes (on
// local file systems; flock over NFS is not to be trusted).
//
// ETags are random 128-bit tokens chosen by each write and stored in the
// extended attribute user.kiln.etag of the file; a new write always gets
// a new ETag, so compare-and-swap has no ABA problem. Files without that
// attribute (written by other tools, or on a file system without user
// xattrs) get an ETag derived from inode, size and modification time.
//
// Limits: an object and a "directory" prefix cannot share a name (with
// "a" stored, "a/b" cannot be, and the other way round: ErrInvalidKey);
// segments starting with ".~kiln-" are reserved; ContentType is not
// stored; there is no Presigner.
type File struct {
	root string
}

const (
	reservedPrefix = ".~kiln-"
	tmpPrefix      = reservedPrefix + "tmp-"
	lockName       = reservedPrefix + "lock"
	etagXattr      = "user.kiln.etag"
)

var _ Copier = (*File)(nil)

// OpenFile opens the existing directory dir as a store; a missing
// directory is ErrNoStore (nothing is created: a mistyped path must not
// become an empty store). CreateFile is for writers.
func OpenFile(dir string) (*File, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: file backend %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return nil, fmt.Errorf("%w at file://%s: no such directory", ErrNoStore, abs)
	case err != nil:
		return nil, fmt.Errorf("store: file backend: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w at file://%s: not a directory", ErrNoStore, abs)
	}
	return &File{root: abs}, nil
}

// CreateFile opens the directory dir as a store, creating it (and its
// parents) if needed.
func CreateFile(dir string) (*File, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: file backend %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("store: file backend: %w", err)
	}
	return OpenFile(abs)
}

// Dir returns the store's directory.
func (s *File) Dir() string { return s.root }

func (s *File) String() string { return "file://" + s.root }

func (s *File) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, reservedPrefix) {
			return "", fmt.Errorf("%w: %q: segments starting with %q are reserved by the file backend",
				ErrInvalidKey, key, reservedPrefix)
		}
	}
	p := filepath.Join(s.root, filepath.FromSlash(key))
	if err := s.noSymlinks(key, p); err != nil {
		return "", err
	}
	return p, nil
}

// noSymlinks refuses a path inside the store any existing component of
// which (the key itself included) is a symbolic link: a link would let a
// write land, or a read come from, outside the store. (The store's own
// directory may be a link.) Objects are also opened with O_NOFOLLOW.
func (s *File) noSymlinks(key, p string) error {
	rel, err := filepath.Rel(s.root, p)
	if err != nil || rel == "." {
		return nil
	}
	cur := s.root
	for seg := range strings.SplitSeq(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, seg)
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil // missing (or not a directory): nothing to follow
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			r, _ := filepath.Rel(s.root, cur)
			return fmt.Errorf("%w: %s: %s in %s is a symbolic link (the file store refuses links)",
				ErrInvalidKey, key, filepath.ToSlash(r), s.root)
		}
	}
	return nil
}

// Stat returns the object's info, or ErrNotFound.
func (s *File) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	f, info, err := s.open(key, p)
	if err != nil {
		return ObjectInfo{}, err
	}
	f.Close()
	return info, nil
}

// open opens the object at p and returns its info, consistent with the
// content of the returned file even while the key is being replaced.
func (s *File) open(key, p string) (*os.File, ObjectInfo, error) {
	for range 10 {
		f, err := os.OpenFile(p, os.O_RDONLY|oNoFollow, 0)
		if err != nil {
			if errors.Is(err, syscall.ELOOP) {
				return nil, ObjectInfo{}, fmt.Errorf("%w: %s is a symbolic link (the file store refuses links)", ErrInvalidKey, key)
			}
			return nil, ObjectInfo{}, s.notFound(key, err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, ObjectInfo{}, fmt.Errorf("store: stat %s: %w", key, err)
		}
		if !fi.Mode().IsRegular() {
			f.Close()
			return nil, ObjectInfo{}, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		etag := readETag(p, fi)
		// The xattr was read by path: make sure it still names our file.
		if again, err := os.Stat(p); err == nil && os.SameFile(fi, again) {
			return f, fileInfo(key, fi, etag), nil
		}
		f.Close()
	}
	return nil, ObjectInfo{}, fmt.Errorf("store: open %s: replaced too often while reading", key)
}

func (s *File) notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("store: %s: %w", key, err)
}

func fileInfo(key string, fi fs.FileInfo, etag string) ObjectInfo {
	return ObjectInfo{Key: key, Size: fi.Size(), ETag: etag, Modified: fi.ModTime().UTC()}
}

// Get opens the object, or the range opts selects.
func (s *File) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ObjectInfo{}, err
	}
	f, info, err := s.open(key, p)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if opts.Offset < 0 {
		f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("%w: %s: negative offset %d", ErrInvalidRange, key, opts.Offset)
	}
	if opts.Offset == 0 && opts.Length <= 0 {
		return f, info, nil
	}
	if opts.Offset >= info.Size {
		f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("%w: %s: offset %d, size %d", ErrInvalidRange, key, opts.Offset, info.Size)
	}
	n := info.Size - opts.Offset
	if opts.Length > 0 && opts.Length < n {
		n = opts.Length
	}
	return &sectionReadCloser{io.NewSectionReader(f, opts.Offset, n), f}, info, nil
}

type sectionReadCloser struct {
	*io.SectionReader
	io.Closer
}

// Delete removes key and then its directories that became empty.
func (s *File) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", key, err)
	}
	defer unlock()
	if fi, err := os.Lstat(p); err != nil || fi.IsDir() {
		return nil // missing, or only a prefix of other keys
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: delete %s: %w", key, err)
	}
	for dir := filepath.Dir(p); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty (or busy): stop
		}
	}
	return syncDir(filepath.Dir(p))
}

func statETag(fi fs.FileInfo) string {
	return fmt.Sprintf("i%x-s%x-m%x", inode(fi), fi.Size(), fi.ModTime().UnixNano())
}

// readETag reads the ETag of the file at p, whose stat is fi.
func readETag(p string, fi fs.FileInfo) string {
	if etag, ok := getETagAttr(p); ok {
		return etag
	}
	return statETag(fi)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
