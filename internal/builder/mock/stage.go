package mock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
)

// stage makes the job's dependencies "visible in packages/": each one not
// in the cache with the same SHA-256 is read in full (Dependency.Open, or an
// HTTP GET of its URL when the builder fetches URLs) and its size and
// SHA-256 checked, as staging it on a real builder would. It returns the
// staged packages (file to SHA-256). A dependency that cannot be read or
// does not match is ErrTransient (HaikuPorter treats a failed upload so);
// one that is not a package file at all is ErrBuildFailed (haikuporter
// could not activate it).
func (b *Builder) stage(ctx context.Context, deps []builder.Dependency) (map[string]string, error) {
	staged := make(map[string]string, len(deps))
	for _, d := range deps {
		if b.cachedAs(d.File) == d.SHA256 && d.SHA256 != "" {
			b.log.Debug("package already in cache", "package", d.File)
			b.addCache(d.File, d.Size, d.SHA256)
			staged[d.File] = d.SHA256
			continue
		}
		how := "upload"
		var rc io.ReadCloser
		var err error
		if b.cfg.FetchURLs && d.URL != "" {
			how = "download"
			rc, err = fetch(ctx, d.URL)
		} else if d.Open != nil {
			rc, err = d.Open(ctx)
		} else {
			err = fmt.Errorf("no way to read it (no Open, no URL)")
		}
		if err != nil {
			return nil, fmt.Errorf("mock: builder %s: %w: staging %s (%s): %w", b.cfg.Name, builder.ErrTransient, d.File, how, err)
		}
		h := sha256.New()
		var head magicWriter
		n, err := io.Copy(io.MultiWriter(h, &head), ctxReader{ctx, rc})
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("mock: builder %s: %w: staging %s (%s): %w", b.cfg.Name, builder.ErrTransient, d.File, how, err)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if n != d.Size || sum != d.SHA256 {
			return nil, fmt.Errorf("mock: builder %s: %w: staging %s (%s): got %d bytes with sha256 %s, want %d bytes with sha256 %s",
				b.cfg.Name, builder.ErrTransient, d.File, how, n, sum, d.Size, d.SHA256)
		}
		if string(head.b) != hpkg.Magic {
			// haikuporter could not activate it in the chroot
			return nil, fmt.Errorf("mock: builder %s: %w: dependency %s is not a package file (it starts with %q)",
				b.cfg.Name, builder.ErrBuildFailed, d.File, head.b)
		}
		b.log.Info("package staged", "package", d.File, "how", how, "bytes", n)
		b.addCache(d.File, n, sum)
		staged[d.File] = sum
	}
	return staged, nil
}

func fetch(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET: %s", resp.Status)
	}
	return resp.Body, nil
}

// magicWriter keeps the first 4 bytes written.
type magicWriter struct{ b []byte }

func (m *magicWriter) Write(p []byte) (int, error) {
	if k := 4 - len(m.b); k > 0 {
		m.b = append(m.b, p[:min(k, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := context.Cause(c.ctx); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (b *Builder) cachedAs(file string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.cache {
		if c.file == file {
			return c.sha256
		}
	}
	return ""
}

// addCache records file as most recently used and evicts beyond the limit.
func (b *Builder) addCache(file string, size int64, sum string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cache = slices.DeleteFunc(b.cache, func(c cached) bool { return c.file == file })
	b.cache = append(b.cache, cached{file, size, sum})
	if l := b.cfg.CacheLimit; l > 0 && len(b.cache) > l {
		b.cache = slices.Delete(b.cache, 0, len(b.cache)-l)
	}
}
