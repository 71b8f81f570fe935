package buildrun

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// product is a package a build of the run produced: already in the store
// under current/packages/ (repo.Ingest), listed once it is published.
type product struct {
	repo.Package
	Build int64
	st    store.Store
	key   string
}

// ingestProduct streams a produced package into the store (never to
// local disk) with repo.Ingest, which validates and hashes it on the way.
// A package that is not valid, or is not the expected file, fails the
// build. If the file is already in the store with other content (left by
// an attempt that kiln stopped during, or by a run whose publish held it
// back), that package is kept and used: published package files never
// change, and it is a build of the same port version and revision.
func ingestProduct(ctx context.Context, rp *repo.Repo, file string, rd io.Reader, size int64, src repo.Source) (*product, error) {
	pkg, err := rp.Ingest(ctx, file, rd, size, src)
	switch {
	case errors.Is(err, repo.ErrImmutable):
		pkg, err = ingestExisting(ctx, rp, file, src)
		if err != nil {
			return nil, err
		}
	case errors.Is(err, repo.ErrBadPackage):
		return nil, fmt.Errorf("%w: %v", builder.ErrBuildFailed, err)
	case err != nil:
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", builder.ErrTransient, err)
	}
	if pkg.File != file {
		return nil, fmt.Errorf("%w: %s holds the package %s", builder.ErrBuildFailed, file, pkg.File)
	}
	return &product{Package: pkg, st: rp.Store(), key: rp.PackageKey(file)}, nil
}

// ingestExisting makes the package already stored as file an ingested
// package (it reads it once, through Ingest's validation).
func ingestExisting(ctx context.Context, rp *repo.Repo, file string, src repo.Source) (repo.Package, error) {
	rc, oi, err := rp.Store().Get(ctx, rp.PackageKey(file), store.GetOptions{})
	if err != nil {
		return repo.Package{}, fmt.Errorf("%w: read the stored %s: %v", builder.ErrTransient, file, err)
	}
	defer rc.Close()
	pkg, err := rp.Ingest(ctx, file, rc, oi.Size, src)
	if errors.Is(err, repo.ErrBadPackage) {
		return pkg, fmt.Errorf("%w: the stored %s is not a valid package: %v", builder.ErrBuildFailed, file, err)
	}
	if err != nil {
		return pkg, fmt.Errorf("%w: %v", builder.ErrTransient, err)
	}
	return pkg, nil
}

// open streams the product from the store.
func (p *product) open(ctx context.Context) (io.ReadCloser, error) {
	rc, _, err := p.st.Get(ctx, p.key, store.GetOptions{})
	return rc, err
}

// dependency returns the product as a build dependency.
func (p *product) dependency() builder.Dependency {
	return builder.Dependency{File: p.File, Size: p.Size, SHA256: p.SHA256, Open: p.open}
}
