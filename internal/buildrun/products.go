package buildrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// product is a package a build of the run produced.
type product struct {
	Product
	Info  pkginfo.PackageInfo
	Port  string
	Build int64

	mu     sync.Mutex
	path   string      // spool file; "" once published (then read from st)
	st     store.Store // where the published package is, at key
	key    string
	staged string // the staging copy's key in st ("" if none)
}

// stage copies the spooled package to key in st: the durable copy a
// resumed run publishes from when kiln stopped before the publish.
func (p *product) stage(ctx context.Context, st store.Store, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.Open(p.path)
	if err != nil {
		return fmt.Errorf("buildrun: stage %s: %w", p.File, err)
	}
	defer f.Close()
	if _, err := st.Put(ctx, key, f, p.Size, store.PutOptions{ContentType: "application/x-vnd.haiku-package"}); err != nil {
		return fmt.Errorf("buildrun: stage %s: %w", p.File, err)
	}
	p.st, p.staged = st, key
	return nil
}

// unstage fetches a staged package back into a spool file.
func unstage(ctx context.Context, st store.Store, dir, key string, want Product) (*product, error) {
	rc, oi, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	p, err := spoolProduct(dir, want.File, rc, oi.Size)
	if err != nil {
		return nil, err
	}
	if want.SHA256 != "" && (p.SHA256 != want.SHA256 || p.Size != want.Size) {
		p.release()
		return nil, fmt.Errorf("buildrun: staged %s differs from the build's record", key)
	}
	p.st, p.staged = st, key
	return p, nil
}

// spoolProduct streams a produced package into a spool file while hashing
// it, and checks that it is a readable package whose canonical file name
// is file, of size bytes.
func spoolProduct(dir, file string, r io.Reader, size int64) (*product, error) {
	f, err := os.CreateTemp(dir, "kiln-build-*.hpkg")
	if err != nil {
		return nil, fmt.Errorf("buildrun: spool %s: %w", file, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return nil, fmt.Errorf("buildrun: receive %s: %w", file, err)
	}
	if size >= 0 && n != size {
		return nil, fmt.Errorf("%w: %s: received %d bytes, the builder announced %d", builder.ErrTransient, file, n, size)
	}
	info, err := repo.HPKGCodec{}.ReadPackage(f, n)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a valid package: %v", builder.ErrBuildFailed, file, err)
	}
	if c := info.CanonicalFileName(); c != file {
		return nil, fmt.Errorf("%w: %s holds the package %s", builder.ErrBuildFailed, file, c)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("buildrun: spool %s: %w", file, err)
	}
	ok = true
	return &product{Product: Product{File: file, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, Info: info, path: f.Name()}, nil
}

// open streams the product.
func (p *product) open(ctx context.Context) (io.ReadCloser, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.path == "" {
		if p.key == "" {
			return nil, fmt.Errorf("buildrun: %s is no longer available", p.File)
		}
		rc, _, err := p.st.Get(ctx, p.key, store.GetOptions{})
		return rc, err
	}
	return os.Open(p.path)
}

// stored records that the package is in the store at key and drops the
// spool file.
func (p *product) stored(st store.Store, key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st, p.key, p.staged = st, key, ""
	if p.path != "" {
		os.Remove(p.path)
		p.path = ""
	}
}

// dependency returns the product as a build dependency.
func (p *product) dependency() builder.Dependency {
	return builder.Dependency{File: p.File, Size: p.Size, SHA256: p.SHA256, Open: p.open}
}

// add returns the product as a package to publish; the caller closes
// the returned file.
func (p *product) add(src repo.Source) (repo.Add, io.Closer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.path == "" {
		return repo.Add{}, nil, fmt.Errorf("buildrun: publish %s: the spooled package is gone", p.File)
	}
	f, err := os.Open(p.path)
	if err != nil {
		return repo.Add{}, nil, fmt.Errorf("buildrun: publish %s: %w", p.File, err)
	}
	return repo.Add{Name: p.File, R: f, Size: p.Size, Source: src}, f, nil
}

// release removes the spool file.
func (p *product) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.path != "" {
		os.Remove(p.path)
		p.path = ""
	}
}

func (p *product) stagedKey() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.staged
}
