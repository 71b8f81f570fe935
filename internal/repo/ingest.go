package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// Add is a package to publish. R must stay readable for the duration of
// the publish; it is read at most twice (parse + upload) and never held in
// memory as a whole.
type Add struct {
	Name   string      // what to call it in messages, e.g. its local path
	R      io.ReaderAt // the .hpkg contents
	Size   int64
	Source Source
}

// SpoolPackage copies a package stream (e.g. from a builder) into a
// temporary file in dir (os.TempDir if empty) so it can be parsed and
// uploaded without being held in memory. The caller calls cleanup.
func SpoolPackage(r io.Reader, dir, name string) (Add, func(), error) {
	f, err := os.CreateTemp(dir, "kiln-spool-*.hpkg")
	if err != nil {
		return Add{}, func() {}, fmt.Errorf("repo: spool %s: %w", name, err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, r)
	if err != nil {
		cleanup()
		return Add{}, func() {}, fmt.Errorf("repo: spool %s: %w", name, err)
	}
	return Add{Name: name, R: f, Size: n}, cleanup, nil
}

// hashReaderAt returns the SHA-256 of the first size bytes of r.
func hashReaderAt(r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// parsePackage reads and checks the package info of a to-be-added package.
// With a validating codec (PackageValidator) it reads the whole package
// once, validating and hashing it, and returns its SHA-256; otherwise it
// reads only the package info and returns no sum.
func (r *Repo) parsePackage(a Add, repoInfo pkginfo.RepositoryInfo) (pkginfo.PackageInfo, string, error) {
	if _, ok := r.codec.(PackageValidator); !ok {
		info, err := r.codec.ReadPackage(a.R, a.Size)
		if err != nil {
			return info, "", fmt.Errorf("%w %s: %v", ErrBadPackage, a.Name, err)
		}
		info, err = r.checkPackageInfo(a.Name, info, repoInfo)
		return info, "", err
	}
	s := r.newPackageScan()
	_, cerr := io.Copy(s, io.NewSectionReader(a.R, 0, a.Size))
	info, sum, _, err := s.finish()
	if cerr != nil && !s.isScanError(cerr) {
		return info, "", fmt.Errorf("repo: read %s: %w", a.Name, cerr)
	}
	if err != nil {
		return info, "", fmt.Errorf("%w %s: %v", ErrBadPackage, a.Name, err)
	}
	info, err = r.checkPackageInfo(a.Name, info, repoInfo)
	return info, sum, err
}

// checkPackageInfo checks that a package belongs in the target and the
// repository (architecture, vendor, file name) and clears its Checksum.
func (r *Repo) checkPackageInfo(name string, info pkginfo.PackageInfo, repoInfo pkginfo.RepositoryInfo) (pkginfo.PackageInfo, error) {
	arch, err := r.target.Architecture()
	if err != nil {
		return info, err
	}
	if info.Architecture != arch && info.Architecture != pkginfo.ArchAny && info.Architecture != pkginfo.ArchSource {
		return info, fmt.Errorf("%w %s: architecture %s does not belong in %s", ErrBadPackage, name, info.Architecture, r.target)
	}
	if repoInfo.Vendor != "" && !strings.EqualFold(info.Vendor, repoInfo.Vendor) {
		return info, fmt.Errorf("%w %s: vendor %q differs from the repository's %q", ErrBadPackage, name, info.Vendor, repoInfo.Vendor)
	}
	if err := ValidatePackage(&info); err != nil {
		return info, fmt.Errorf("%w %s: %v", ErrBadPackage, name, err)
	}
	info.Checksum = ""
	return info, nil
}

// ingest uploads one package to current/packages/<canonical name> with
// create-if-absent and returns its manifest entry. prev (may be nil) is the
// manifest the publish starts from: a package it already lists with the same
// content is not uploaded again. sum is the package's SHA-256 if
// parsePackage computed it ("" if not): the upload must have that hash.
func (r *Repo) ingest(ctx context.Context, a Add, info pkginfo.PackageInfo, sum string, prev *Manifest) (Package, error) {
	file := info.CanonicalFileName()
	key := r.l.pkg(file)
	p := Package{File: file, Size: a.Size, Info: info, Source: a.Source, Added: r.now()}
	if prev != nil {
		if old, ok := prev.Lookup(file); ok {
			var err error
			if sum == "" {
				sum, err = hashReaderAt(a.R, a.Size)
			}
			if err != nil {
				return p, fmt.Errorf("repo: read %s: %w", a.Name, err)
			}
			if sum != old.SHA256 || a.Size != old.Size {
				return p, fmt.Errorf("%w: %s is already published with other content (sha256 %s, size %d)", ErrImmutable, file, old.SHA256, old.Size)
			}
			return old, nil
		}
	}
	body := newHashingSection(a.R, a.Size)
	_, err := r.st.Put(ctx, key, body, a.Size, store.PutOptions{IfNoneMatch: true, ContentType: "application/x-vnd.haiku-package"})
	if err == nil {
		if p.SHA256, err = body.sum(); err != nil {
			return p, fmt.Errorf("repo: read %s: %w", a.Name, err)
		}
		if sum != "" && p.SHA256 != sum {
			// The file changed between validation and upload: what was
			// uploaded is not what was validated.
			_ = r.st.Delete(ctx, key)
			return p, fmt.Errorf("%w %s: changed while it was published (sha256 %s, then %s)", ErrBadPackage, a.Name, sum, p.SHA256)
		}
		r.log.Debug("uploaded package", "file", file, "size", a.Size)
		return p, nil
	}
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return p, fmt.Errorf("repo: upload %s as %s: %w", a.Name, key, err)
	}
	// The key exists (an earlier interrupted publish, a retried request, or
	// an import): it must hold exactly these bytes.
	if sum == "" {
		if sum, err = hashReaderAt(a.R, a.Size); err != nil {
			return p, fmt.Errorf("repo: read %s: %w", a.Name, err)
		}
	}
	p.SHA256 = sum
	if err := r.checkObject(ctx, key, a.Size, sum); err != nil {
		return p, err
	}
	return p, nil
}

// checkObject verifies that key holds size bytes with SHA-256 sum, reading
// it back (only done when a create-if-absent upload found the key taken).
func (r *Repo) checkObject(ctx context.Context, key string, size int64, sum string) error {
	oi, err := r.st.Stat(ctx, key)
	if err != nil {
		return fmt.Errorf("repo: stat %s: %w", key, err)
	}
	if oi.Size != size {
		return fmt.Errorf("%w: %s exists with %d bytes, not %d", ErrImmutable, key, oi.Size, size)
	}
	got, err := r.hashObject(ctx, key)
	if err != nil {
		return err
	}
	if got != sum {
		return fmt.Errorf("%w: %s exists with sha256 %s, not %s", ErrImmutable, key, got, sum)
	}
	return nil
}

// hashObject streams an object through SHA-256.
func (r *Repo) hashObject(ctx context.Context, key string) (string, error) {
	rc, _, err := r.st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("repo: read %s: %w", key, err)
	}
	defer rc.Close()
	return hashStream(rc, key)
}

func hashStream(rd io.Reader, what string) (string, error) {
	var h hash.Hash = sha256.New()
	if _, err := io.Copy(h, rd); err != nil {
		return "", fmt.Errorf("repo: read %s: %w", what, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
