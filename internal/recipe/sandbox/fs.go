package sandbox

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/interp"
)

// File access: reads are confined to Options.Dir through an os.Root (so
// symlinks cannot escape it), writes are refused, /dev/null is a sink.
// Paths outside Dir behave as if they did not exist: a recipe probing
// /packages/… on a build master sees nothing either.

// readDirCost is what one directory read counts against MaxCalls: reading
// a directory deep in a symlink loop costs far more than a command.
const readDirCost = 10

const writeFlags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREATE | os.O_TRUNC

// resolve maps a path as the shell sees it to a path relative to Dir, or
// reports that it is outside.
func (st *state) resolve(ctx context.Context, path string) (rel string, ok bool) {
	if st.o.Dir == "" {
		return "", false
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(interp.HandlerCtx(ctx).Dir, path)
	}
	path = filepath.Clean(path)
	rel, err := filepath.Rel(filepath.Clean(st.o.Dir), path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

func (st *state) portRoot() (*os.Root, error) {
	st.rootOnce.Do(func() {
		r, err := os.OpenRoot(st.o.Dir)
		st.mu.Lock()
		st.root, st.rootErr = r, err
		st.mu.Unlock()
	})
	return st.root, st.rootErr
}

func notExist(op, path string) error {
	return &os.PathError{Op: op, Path: path, Err: fs.ErrNotExist}
}

func (st *state) open(ctx context.Context, path string, flag int, perm os.FileMode) (_ io.ReadWriteCloser, err error) {
	defer st.recovered(&err)
	if path == os.DevNull {
		return nullFile{}, nil
	}
	if flag&writeFlags != 0 {
		return nil, st.refuse("writing %s", path)
	}
	rel, ok := st.resolve(ctx, path)
	if !ok {
		return nil, notExist("open", path)
	}
	root, err := st.portRoot()
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if st.openFiles.Add(1) > maxOpenFiles {
		st.openFiles.Add(-1)
		return nil, st.limit("more than %d files open at once (%s)", maxOpenFiles, path)
	}
	// O_NONBLOCK: opening a FIFO must not wait for a writer; only regular
	// files (and directories, which fail on read) are read.
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		st.openFiles.Add(-1)
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		st.openFiles.Add(-1)
		f.Close()
		return nil, err
	case !fi.Mode().IsRegular() && !fi.IsDir():
		st.openFiles.Add(-1)
		f.Close()
		return nil, st.refuse("reading %s, which is not a regular file (%s)", path, fi.Mode().Type())
	case fi.Size() > int64(st.o.MaxSource):
		st.openFiles.Add(-1)
		f.Close()
		return nil, st.limit("%s is larger than %d bytes", path, st.o.MaxSource)
	}
	return &readOnlyFile{f: f, st: st}, nil
}

func (st *state) stat(ctx context.Context, name string, followSymlinks bool) (_ fs.FileInfo, err error) {
	defer st.recovered(&err)
	if name == os.DevNull {
		return devNullInfo{}, nil
	}
	rel, ok := st.resolve(ctx, name)
	if !ok {
		return nil, notExist("stat", name)
	}
	root, err := st.portRoot()
	if err != nil {
		return nil, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if followSymlinks {
		return root.Stat(rel)
	}
	return root.Lstat(rel)
}

func (st *state) readDir(ctx context.Context, path string) (_ []fs.DirEntry, err error) {
	defer st.recovered(&err)
	// A ** glob over a symlink loop reads directories without end, inside
	// one command: each read counts as readDirCost commands (so such a
	// glob stops at the command bound, a result that does not depend on
	// the machine's speed) and checks the deadline.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if st.calls.Add(readDirCost) > st.o.MaxCalls {
		return nil, st.limit("more than %d commands and directory reads", st.o.MaxCalls)
	}
	rel, ok := st.resolve(ctx, path)
	if !ok {
		return nil, notExist("readdir", path)
	}
	root, err := st.portRoot()
	if err != nil {
		return nil, &os.PathError{Op: "readdir", Path: path, Err: err}
	}
	return fs.ReadDir(root.FS(), filepath.ToSlash(rel))
}

func (st *state) access(ctx context.Context, path string, mode interp.AccessMode) (err error) {
	defer st.recovered(&err)
	if mode&interp.AccessWrite != 0 {
		return &os.PathError{Op: "access", Path: path, Err: fs.ErrPermission}
	}
	fi, err := st.stat(ctx, path, true)
	if err != nil {
		return err
	}
	if mode&interp.AccessExec != 0 && fi.Mode()&0o111 == 0 {
		return &os.PathError{Op: "access", Path: path, Err: fs.ErrPermission}
	}
	return nil
}

// readOnlyFile refuses writes (the open flags already did; belt and braces)
// and counts what is read against the expansion budget (MaxVars): $(<f)
// repeated in one word is not covered by the expansion guards.
type readOnlyFile struct {
	f      *os.File
	st     *state
	closed bool
}

// maxOpenFiles bounds the files one evaluation holds open at once (a
// redirect on a recursive function keeps one per level).
const maxOpenFiles = 64

func (r *readOnlyFile) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if r.st.expanded.Add(int64(n)) > r.st.o.MaxVars {
		return n, r.st.limit("read more than %d bytes of files", r.st.o.MaxVars)
	}
	return n, err
}
func (r *readOnlyFile) Write(p []byte) (int, error) { return 0, fs.ErrPermission }

func (r *readOnlyFile) Close() error {
	if !r.closed {
		r.closed = true
		r.st.openFiles.Add(-1)
	}
	return r.f.Close()
}

type nullFile struct{}

func (nullFile) Read([]byte) (int, error)    { return 0, io.EOF }
func (nullFile) Write(p []byte) (int, error) { return len(p), nil }
func (nullFile) Close() error                { return nil }

type devNullInfo struct{}

func (devNullInfo) Name() string       { return "null" }
func (devNullInfo) Size() int64        { return 0 }
func (devNullInfo) Mode() fs.FileMode  { return fs.ModeDevice | fs.ModeCharDevice | 0o666 }
func (devNullInfo) ModTime() time.Time { return time.Time{} }
func (devNullInfo) IsDir() bool        { return false }
func (devNullInfo) Sys() any           { return nil }
