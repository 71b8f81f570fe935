package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// incoming is the staging area of Ingest: .kiln/incoming/<random>.hpkg.
func (l layout) incomingPrefix() string      { return l.p + ".kiln/incoming/" }
func (l layout) incoming(name string) string { return l.p + ".kiln/incoming/" + name }

const packageContentType = "application/x-vnd.haiku-package"

// Ingest streams one package file of size bytes from rd (e.g. a builder's
// output over SFTP) into the target without writing it to local disk, and
// returns its manifest entry. It does not publish: pass the result in
// Change.Ingested to list it.
//
// The bytes go once through SHA-256 and the codec's validation while they
// are uploaded to a staging key, .kiln/incoming/<random>.hpkg; a package
// that is invalid, or does not belong in the target (architecture, vendor
// of the current repository info, file name), fails with ErrBadPackage and
// its staging object is deleted. A valid one is then copied to
// current/packages/<canonical file> create-if-absent (server-side where
// the store can, else streamed through kiln; never via local disk): a key
// that already exists must hold the same size and SHA-256, else
// ErrImmutable. The staging object is deleted in every case; one left by a
// crash is reported by Verify and removed by Prune after its grace period.
//
// Ingest needs no lease and may run concurrently with other Ingests and
// with a Publish: package keys are create-if-absent and immutable. An
// ingested package that no snapshot lists yet is kept by Prune for its
// grace period (it is judged by its upload time). The codec must be a
// PackageValidator (HPKGCodec is); memory use does not grow with size.
func (r *Repo) Ingest(ctx context.Context, name string, rd io.Reader, size int64, src Source) (Package, error) {
	var repoInfo pkginfo.RepositoryInfo
	switch _, m, err := r.Current(ctx); {
	case err == nil:
		repoInfo = m.Repository
	case !errors.Is(err, ErrNoHead):
		return Package{}, err
	}
	p, err := r.streamPackage(ctx, name, rd, size, func(info pkginfo.PackageInfo, _ string) (pkginfo.PackageInfo, error) {
		return r.checkPackageInfo(name, info, repoInfo)
	})
	p.Source = src
	return p, err
}

// streamPackage is Ingest's upload: stage, validate and hash in one pass,
// check the info and SHA-256 with check, then move into current/packages/.
func (r *Repo) streamPackage(ctx context.Context, name string, rd io.Reader, size int64, check func(pkginfo.PackageInfo, string) (pkginfo.PackageInfo, error)) (Package, error) {
	if _, ok := r.codec.(PackageValidator); !ok {
		return Package{}, fmt.Errorf("repo: ingest %s: the codec cannot validate a package stream", name)
	}
	if size < 0 {
		return Package{}, fmt.Errorf("repo: ingest %s: size unknown", name)
	}
	staging := r.l.incoming(randHex(16) + ".hpkg")
	defer r.deleteStaging(staging)
	s := r.newPackageScan()
	_, err := r.st.Put(ctx, staging, io.TeeReader(rd, s), size, store.PutOptions{IfNoneMatch: true, ContentType: packageContentType})
	info, sum, _, invalid := s.finish()
	switch {
	case invalid != nil:
		return Package{}, fmt.Errorf("%w %s: %v", ErrBadPackage, name, invalid)
	case err != nil:
		return Package{}, fmt.Errorf("repo: ingest %s: upload to %s: %w", name, staging, err)
	case s.n != size:
		return Package{}, fmt.Errorf("repo: ingest %s: read %d bytes, expected %d", name, s.n, size)
	}
	if info, err = check(info, sum); err != nil {
		return Package{}, err
	}
	file := info.CanonicalFileName()
	key := r.l.pkg(file)
	err = r.copyObject(ctx, staging, key, store.PutOptions{IfNoneMatch: true, ContentType: packageContentType})
	if errors.Is(err, store.ErrPreconditionFailed) {
		// Already there (a retried build, an earlier ingest): it must be
		// the same file.
		err = r.checkObject(ctx, key, size, sum)
	}
	if err != nil {
		return Package{}, err
	}
	r.log.Debug("ingested package", "file", file, "size", size)
	return Package{File: file, Size: size, SHA256: sum, Info: info, Added: r.now()}, nil
}

// deleteStaging removes a staging object, also when ctx was canceled.
func (r *Repo) deleteStaging(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.st.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		r.log.Warn("could not delete staging object (prune removes it)", "key", key, "err", err)
	}
}

// checkIngested checks a Change.Ingested entry: it belongs in the target
// and the repository, and its file is in current/packages/ with its size.
func (r *Repo) checkIngested(ctx context.Context, p Package, repoInfo pkginfo.RepositoryInfo) error {
	if _, err := r.checkPackageInfo(p.File, p.Info, repoInfo); err != nil {
		return err
	}
	if p.File != p.Info.CanonicalFileName() || len(p.SHA256) != 64 {
		return fmt.Errorf("%w %s: not an ingested package (file name %q, sha256 %q)", ErrBadPackage, p.File, p.Info.CanonicalFileName(), p.SHA256)
	}
	oi, err := r.st.Stat(ctx, r.l.pkg(p.File))
	if err != nil {
		return fmt.Errorf("%w %s: not in the store: %w", ErrBadPackage, p.File, err)
	}
	if oi.Size != p.Size {
		return fmt.Errorf("%w: %s has %d bytes in the store, the ingested package %d", ErrImmutable, r.l.pkg(p.File), oi.Size, p.Size)
	}
	return nil
}

// listIncoming lists the staging objects of the target.
func (r *Repo) listIncoming(ctx context.Context) ([]store.ObjectInfo, error) {
	var objs []store.ObjectInfo
	err := r.st.List(ctx, r.l.incomingPrefix(), "", func(oi store.ObjectInfo) error {
		objs = append(objs, oi)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("repo: list %s: %w", r.l.incomingPrefix(), err)
	}
	return objs, nil
}

// verifyIncoming notes staging objects: an Ingest is running, or one was
// interrupted (Prune removes those).
func (r *Repo) verifyIncoming(ctx context.Context, rp *Report) error {
	objs, err := r.listIncoming(ctx)
	if err != nil {
		return err
	}
	for _, oi := range objs {
		rp.Notes = append(rp.Notes, fmt.Sprintf("staging object %s (%d bytes, %s) of a running or interrupted ingest; prune removes it after the grace period",
			oi.Key, oi.Size, oi.Modified.UTC().Format(time.RFC3339)))
	}
	return nil
}

// pruneIncoming deletes staging objects older than the grace period.
func (r *Repo) pruneIncoming(ctx context.Context, o PruneOptions, now time.Time, res *PruneResult) error {
	objs, err := r.listIncoming(ctx)
	if err != nil {
		return err
	}
	for _, oi := range objs {
		if now.Sub(oi.Modified) < o.Grace {
			continue
		}
		res.DeletedStaging = append(res.DeletedStaging, oi.Key)
		if o.DryRun {
			continue
		}
		if err := r.st.Delete(ctx, oi.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("repo: delete %s: %w", oi.Key, err)
		}
		r.log.Info("deleted staging object", "key", oi.Key)
	}
	return nil
}
