package ssh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/haikuports/kiln/internal/builder"
)

// The cache protocol (BUILDMASTER.md §2.3 step 5, §2.4 step 3): packages
// live in packages/.cache; a build sees only those symlinked into
// packages/; uploads go to .cache/<p>.upload and are renamed into place,
// so a cut connection never leaves a partial package under its name.

// clearVisiblePackages removes the symlinks in packages/ and moves real
// package files there (a build's outputs) into the cache.
func (b *Builder) clearVisiblePackages(c *conn) error {
	entries, err := c.sftp.ReadDir(b.cfg.Packages)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".hpkg") {
			continue
		}
		p := b.cfg.Packages + "/" + name
		fi, err := c.sftp.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := c.sftp.Remove(p); err != nil {
				return err
			}
			continue
		}
		b.log.Info("moving package " + name + " to cache")
		if err := c.sftp.PosixRename(p, b.cfg.Cache+"/"+name); err != nil {
			return err
		}
		b.mu.Lock()
		b.cache[name] = true
		b.mu.Unlock()
	}
	return nil
}

// reconcile clears the visible packages, takes the cache's inventory,
// deletes leftover uploads and deletes the packages the master does not
// know (Options.Known), which keeps the cache bounded.
func (b *Builder) reconcile(c *conn) error {
	b.mu.Lock()
	b.cache = map[string]bool{}
	b.mu.Unlock()
	if err := b.clearVisiblePackages(c); err != nil {
		return err
	}
	entries, err := c.sftp.ReadDir(b.cfg.Cache)
	if err != nil {
		return err
	}
	inv := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".hpkg.upload"):
			b.log.Info("removing incomplete upload " + name + " from cache")
			if err := c.sftp.Remove(b.cfg.Cache + "/" + name); err != nil {
				return err
			}
		case strings.HasSuffix(name, ".hpkg"):
			if b.opts.Known != nil && !b.opts.Known(name) {
				b.log.Info("removing obsolete package " + name + " from cache")
				if err := c.sftp.Remove(b.cfg.Cache + "/" + name); err != nil {
					return err
				}
				continue
			}
			inv[name] = true
		}
	}
	b.mu.Lock()
	b.cache = inv
	b.mu.Unlock()
	return nil
}

// stage makes dep available in the cache (uploading or downloading it
// unless it is there with the right size) and visible in packages/.
func (b *Builder) stage(ctx context.Context, c *conn, dep builder.Dependency) error {
	if strings.ContainsAny(dep.File, "/\"`$\\\n'") || !strings.HasSuffix(dep.File, ".hpkg") {
		return fmt.Errorf("%w: dependency %q is not a package file name", builder.ErrBuildFailed, dep.File)
	}
	entry := b.cfg.Cache + "/" + dep.File
	b.mu.Lock()
	cached := b.cache[dep.File]
	b.mu.Unlock()
	if cached && dep.Size > 0 {
		fi, err := c.sftp.Stat(entry)
		switch {
		case err == nil && fi.Size() == dep.Size:
		case err == nil || errors.Is(err, fs.ErrNotExist):
			cached = false
		default:
			return err
		}
	}
	if !cached {
		var err error
		if b.cfg.FetchURLs && dep.URL != "" {
			err = b.download(ctx, c, dep)
		} else {
			err = b.upload(ctx, c, dep)
		}
		if err != nil {
			return err
		}
		b.mu.Lock()
		b.cache[dep.File] = true
		b.mu.Unlock()
	}
	if err := c.sftp.Symlink(entry, b.cfg.Packages+"/"+dep.File); err != nil {
		return fmt.Errorf("make %s visible: %w", dep.File, err)
	}
	return nil
}

// upload streams dep from the store to .cache/<p>.upload and renames it.
func (b *Builder) upload(ctx context.Context, c *conn, dep builder.Dependency) error {
	if dep.Open == nil {
		return fmt.Errorf("%w: dependency %s has no Open", builder.ErrBuildFailed, dep.File)
	}
	b.log.Info("upload package " + dep.File + " to builder")
	entry := b.cfg.Cache + "/" + dep.File
	tmp := entry + ".upload"
	r, err := dep.Open(ctx)
	if err != nil {
		return &sourceError{fmt.Errorf("open dependency %s: %w", dep.File, err)}
	}
	defer r.Close()
	f, err := c.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	h := sha256.New()
	// Concurrent SFTP writes: a high-latency link is not one round trip
	// per 32 KiB packet.
	n, err := f.ReadFromWithConcurrency(&sourceReader{r: io.TeeReader(r, h)}, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkDep(dep, n, hex.EncodeToString(h.Sum(nil)))
	}
	if err != nil {
		c.sftp.Remove(tmp)
		return fmt.Errorf("upload %s: %w", dep.File, err)
	}
	return c.sftp.PosixRename(tmp, entry)
}

// download lets the builder fetch dep.URL itself with curl into
// .cache/<p>.upload, checks its size and SHA-256 there and renames it.
func (b *Builder) download(ctx context.Context, c *conn, dep builder.Dependency) error {
	u, err := url.Parse(dep.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%w: dependency %s: bad URL", builder.ErrBuildFailed, dep.File)
	}
	entry := b.cfg.Cache + "/" + dep.File
	tmp := entry + ".upload"
	// The URL is presigned: it is logged without its query.
	b.log.Info("download package "+dep.File+" on builder", "url", u.Scheme+"://"+u.Host+u.Path)
	command := `curl -fsS --retry 3 -o "` + tmp + `" ` + shellQuote(dep.URL) + ` && sha256sum "` + tmp + `"`
	var sum string
	err = c.run(ctx, command, func(l string) error {
		if f := strings.Fields(l); len(f) == 2 && len(f[0]) == 64 {
			sum = f[0]
		} else if l != "" {
			b.log.Info(l)
		}
		return nil
	})
	if err == nil {
		var fi fs.FileInfo
		fi, err = c.sftp.Stat(tmp)
		if err == nil {
			err = checkDep(dep, fi.Size(), sum)
		}
	}
	if err != nil {
		c.sftp.Remove(tmp)
		var ee *exitError
		if errors.As(err, &ee) {
			// curl failed on the builder: the URL may have expired or the
			// store is unreachable from there. Retryable.
			return &sourceError{fmt.Errorf("download %s on builder: curl: %w", dep.File, err)}
		}
		return fmt.Errorf("download %s on builder: %w", dep.File, err)
	}
	return c.sftp.PosixRename(tmp, entry)
}

func checkDep(dep builder.Dependency, size int64, sum string) error {
	if dep.Size > 0 && size != dep.Size {
		return &sourceError{fmt.Errorf("%s: got %d bytes, want %d", dep.File, size, dep.Size)}
	}
	if dep.SHA256 != "" && !strings.EqualFold(sum, dep.SHA256) {
		return &sourceError{fmt.Errorf("%s: SHA-256 %s, want %s", dep.File, sum, dep.SHA256)}
	}
	return nil
}

// sourceError is a failure of the package source (the store, a presigned
// URL), not of the builder: the build is retryable but the builder is not
// blamed for it.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// sourceReader marks read errors of the source so they are not mistaken
// for errors of the connection.
type sourceReader struct{ r io.Reader }

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
