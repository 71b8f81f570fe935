package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// copyAttempts bounds the attempts of one object's copy on transient
// errors (a stream cannot be replayed by the store's own retries).
const copyAttempts = 3

// packagesToCheck returns the packages the new listings name (one entry
// per file, sorted), and the files the destination's copies of their
// parents (and of the snapshots rollbacks restored) list, where the
// destination completed those (covered: checked when they were mirrored,
// so trusted by size unless Deep). That is usually one manifest per pass
// however many snapshots are retained; a package already there that no
// such manifest lists is hashed instead.
func (p *pass) packagesToCheck(ctx context.Context, listings []listing, doneSnaps []string) ([]repo.Package, map[string]bool, error) {
	byFile := map[string]repo.Package{}
	for _, l := range listings {
		for _, pk := range l.m.Packages {
			if o, ok := byFile[pk.File]; ok && (o.Size != pk.Size || o.SHA256 != pk.SHA256) {
				return nil, nil, fmt.Errorf("%w: %s is listed with %d bytes, SHA-256 %s and with %d bytes, SHA-256 %s", ErrSourceCorrupt, pk.File, o.Size, o.SHA256, pk.Size, pk.SHA256)
			}
			byFile[pk.File] = pk
		}
	}
	pkgs := make([]repo.Package, 0, len(byFile))
	for _, pk := range byFile {
		pkgs = append(pkgs, pk)
	}
	slices.SortFunc(pkgs, func(a, b repo.Package) int { return strings.Compare(a.File, b.File) })
	covered := map[string]bool{}
	if len(pkgs) == 0 || p.o.Deep {
		return pkgs, covered, nil
	}
	done := map[string]bool{}
	for _, id := range doneSnaps {
		done[id] = true
	}
	read := map[string]bool{}
	for _, l := range listings {
		for _, id := range []string{l.m.Parent, l.m.RolledBackTo} {
			if !done[id] || read[id] {
				continue
			}
			read[id] = true
			m, err := p.dr.Manifest(ctx, id)
			if err != nil {
				return nil, nil, fmt.Errorf("mirror: destination: %w", err)
			}
			for _, pk := range m.Packages {
				covered[pk.File] = true
			}
		}
	}
	return pkgs, covered, nil
}

// copyPackages makes every package present at the destination: trusted
// by size if covered, else hashed if there, else (or if it differs)
// copied from the source, checked while it streams.
func (p *pass) copyPackages(ctx context.Context, pkgs []repo.Package, covered map[string]bool) error {
	if len(pkgs) == 0 {
		return nil
	}
	pp := p.dr.PackagesPrefix()
	have, err := listSizes(ctx, p.dst, pp)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.o.Concurrency)
	for _, pk := range pkgs {
		g.Go(func() error {
			defer p.meter.fileDone()
			size, ok := have[pk.File]
			key := pp + pk.File
			switch {
			case ok && size == pk.Size && covered[pk.File]:
				p.count(&p.res.Present, pk.Size)
				p.meter.add(pk.Size)
				return nil
			case ok && size == pk.Size:
				same, err := p.hashMatches(gctx, key, pk)
				if err != nil || same {
					return err
				}
			}
			return p.copyPackage(gctx, key, pk, ok)
		})
	}
	return g.Wait()
}

// hashMatches reads the destination's key and reports whether it has
// pk's size and SHA-256 (counting it present if so).
func (p *pass) hashMatches(ctx context.Context, key string, pk repo.Package) (bool, error) {
	rc, oi, err := p.dst.Get(ctx, key, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mirror: check %s in %s: %w", key, p.dst, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, p.meter.reader(rc))
	if err != nil {
		return false, fmt.Errorf("mirror: check %s in %s: %w", key, p.dst, err)
	}
	p.count(&p.res.Hashed, n)
	if n != pk.Size || oi.Size != pk.Size || hex.EncodeToString(h.Sum(nil)) != pk.SHA256 {
		p.o.Logger.Warn("destination object differs from its manifest, copying it again", "key", key, "size", n)
		return false, nil
	}
	p.count(&p.res.Present, n)
	return true, nil
}

// copyPackage copies key from the source (replace: over an object the
// destination has with other content), checking size and SHA-256 while
// it streams: a mismatch fails the write, so it never lands.
func (p *pass) copyPackage(ctx context.Context, key string, pk repo.Package, replace bool) error {
	var err error
	for attempt := 1; attempt <= copyAttempts; attempt++ {
		err = p.copyOnce(ctx, key, pk, replace)
		if errors.Is(err, store.ErrPreconditionFailed) {
			// Written meanwhile by someone else: keep it if it is right.
			if same, herr := p.hashMatches(ctx, key, pk); herr != nil || same {
				return herr
			}
			replace = true
			continue
		}
		if err == nil || !store.IsTransient(err) || ctx.Err() != nil {
			break
		}
		p.o.Logger.Warn("copy failed, retrying", "key", key, "attempt", attempt, "err", err)
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.res.Copied.add(pk.Size)
	if replace {
		p.res.Replaced++
	}
	p.mu.Unlock()
	return nil
}

func (p *pass) copyOnce(ctx context.Context, key string, pk repo.Package, replace bool) error {
	rc, oi, err := p.src.Get(ctx, key, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s is missing from %s (was the source pruned meanwhile? run the mirror again)", ErrSourceCorrupt, key, p.src)
	}
	if err != nil {
		return fmt.Errorf("mirror: read %s from %s: %w", key, p.src, err)
	}
	defer rc.Close()
	if oi.Size != pk.Size {
		return fmt.Errorf("%w: %s in %s has %d bytes, its manifest says %d", ErrSourceCorrupt, key, p.src, oi.Size, pk.Size)
	}
	vr := &verifyingReader{r: p.meter.reader(rc), h: sha256.New(), size: pk.Size, want: pk.SHA256, key: key, src: p.src}
	_, err = p.dst.Put(ctx, key, vr, pk.Size, store.PutOptions{IfNoneMatch: !replace})
	if vr.err != nil {
		return vr.err // the write failed because of it
	}
	if err != nil {
		return fmt.Errorf("mirror: write %s to %s: %w", key, p.dst, err)
	}
	return nil
}

// verifyingReader passes size bytes of r through, hashing them; it holds
// back the last chunk and fails instead if the SHA-256 is not want, and
// fails if r ends early or runs on, so a store's Put of it never
// completes with wrong content.
type verifyingReader struct {
	r       io.Reader
	h       hash.Hash
	n, size int64
	want    string
	key     string
	src     store.Store
	err     error
}

func (v *verifyingReader) Read(b []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.n == v.size {
		return 0, io.EOF
	}
	if rest := v.size - v.n; int64(len(b)) > rest {
		b = b[:rest]
	}
	n, err := v.r.Read(b)
	v.h.Write(b[:n])
	v.n += int64(n)
	if v.n == v.size {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			v.err = fmt.Errorf("%w: %s in %s has SHA-256 %s, its manifest says %s", ErrSourceCorrupt, v.key, v.src, got, v.want)
			return 0, v.err
		}
		return n, io.EOF
	}
	if errors.Is(err, io.EOF) {
		v.err = fmt.Errorf("mirror: read %s from %s: ended after %d of %d bytes: %w", v.key, v.src, v.n, v.size, io.ErrUnexpectedEOF)
		return n, v.err
	}
	return n, err
}
