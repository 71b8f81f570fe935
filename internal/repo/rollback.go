package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// RollbackOptions configure Rollback. Zero values are fine.
type RollbackOptions struct {
	Signer Signer // signs the new snapshot; may be nil
	Reason string // recorded in the manifest (default "rollback to ID")
	// Guard, if set, may refuse the rollback as it refuses a publish (see
	// Guard): it is asked with the head's packages and the target
	// snapshot's; a refusal is wrapped in ErrRefused and changes nothing.
	Guard Guard
}

// Rollback makes the content of snapshot id current again, as a new
// snapshot (the history only grows). Package files the target snapshot
// lists that were moved to .obsolete/ are restored first.
//
// When the head already has the content of id (same packages, repository
// info and signing), nothing is written and the Result is Unchanged: a
// repeated rollback is idempotent. A head whose manifest cannot be read
// (a target an older kiln bricked) does not stop a rollback to an explicit
// snapshot id: the new snapshot's parent is the unreadable head, and
// current/ is rewritten from scratch.
func (r *Repo) Rollback(ctx context.Context, id string, o RollbackOptions) (res *Result, err error) {
	defer func(start time.Time) { r.observe("rollback", start, res, err) }(time.Now())
	l, lctx, err := r.acquire(ctx, "rollback")
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	head, cur, err := r.Current(lctx)
	switch {
	case head != nil && err != nil && (errors.Is(err, ErrBadManifest) || errors.Is(err, ErrSnapshotNotFound)):
		if !validSnapshotID(id) {
			return nil, fmt.Errorf("%w (roll back to a snapshot id: kiln repo snapshots lists them)", err)
		}
		r.log.Warn("head snapshot unreadable, rolling back past it", "head", head.Snapshot, "err", err)
		cur = nil
	case err != nil:
		return nil, err
	default:
		if _, err := r.repairCurrent(lctx, head, cur); err != nil {
			return nil, err
		}
	}
	to, err := r.ResolveSnapshot(lctx, id)
	if err != nil {
		return nil, err
	}
	parent := head.Snapshot
	res = &Result{Parent: parent}
	if cur != nil && sameContent(cur, to) && cur.Signed == (o.Signer != nil) {
		res.Snapshot, res.Parent, res.RepoSHA256, res.Packages, res.Unchanged = cur.ID, cur.Parent, cur.RepoSHA256, len(cur.Packages), true
		return res, nil
	}
	if o.Guard != nil {
		var old []pkginfo.PackageInfo
		if cur != nil {
			old = manifestInfos(cur)
		}
		if err := r.askGuard(lctx, o.Guard, old, manifestInfos(to)); err != nil {
			return nil, err
		}
	}
	var have map[string]bool
	if cur != nil {
		have = cur.Files()
	}
	for _, p := range to.Packages {
		if have[p.File] {
			continue
		}
		if err := r.ensurePackage(lctx, p); err != nil {
			return nil, err
		}
	}
	m := &Manifest{Schema: ManifestSchema, Created: r.now(), Parent: parent, RolledBackTo: to.ID, Repository: to.Repository, Packages: to.Packages}
	m.ID = newSnapshotID(m.Created)
	m.Reason = o.Reason
	if m.Reason == "" {
		m.Reason = "rollback to " + to.ID
	}
	res.Added, res.Removed = diffFiles(cur, m)
	if err := r.commit(lctx, l, head, cur, m, o.Signer); err != nil {
		return nil, err
	}
	res.Snapshot, res.RepoSHA256, res.Packages = m.ID, m.RepoSHA256, len(m.Packages)
	return res, nil
}

// sameContent reports whether two manifests list the same package files
// with the same repository info (what clients would see).
func sameContent(a, b *Manifest) bool {
	if len(a.Packages) != len(b.Packages) || !repoInfoEqual(a, b) {
		return false
	}
	for i := range a.Packages {
		if a.Packages[i].File != b.Packages[i].File || a.Packages[i].SHA256 != b.Packages[i].SHA256 {
			return false
		}
	}
	return true
}

func manifestInfos(m *Manifest) []pkginfo.PackageInfo {
	out := make([]pkginfo.PackageInfo, len(m.Packages))
	for i, p := range m.Packages {
		out[i] = p.Info
	}
	return out
}

// ensurePackage makes sure p's file is in current/packages/, restoring it
// from .obsolete/ if needed; its size must match.
func (r *Repo) ensurePackage(ctx context.Context, p Package) error {
	key := r.l.pkg(p.File)
	oi, err := r.st.Stat(ctx, key)
	if err == nil {
		if oi.Size != p.Size {
			return fmt.Errorf("%w: %s has %d bytes, the snapshot lists %d", ErrImmutable, key, oi.Size, p.Size)
		}
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("repo: stat %s: %w", key, err)
	}
	src := r.l.obsolete(p.File)
	if err := r.copyObject(ctx, src, key, store.PutOptions{IfNoneMatch: true}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("repo: package %s is gone (not in packages/ nor .obsolete/)", p.File)
		}
		if !errors.Is(err, store.ErrPreconditionFailed) {
			return err
		}
	}
	r.log.Info("restored package from .obsolete/", "file", p.File)
	return nil
}

// copyObject copies src to dst, server-side if the store can.
func (r *Repo) copyObject(ctx context.Context, src, dst string, opts store.PutOptions) error {
	if c, ok := r.st.(store.Copier); ok {
		_, err := c.Copy(ctx, src, dst, opts)
		if err != nil && !errors.Is(err, store.ErrNotSupported) {
			return fmt.Errorf("repo: copy %s to %s: %w", src, dst, err)
		}
		if err == nil {
			return nil
		}
	}
	rc, oi, err := r.st.Get(ctx, src, store.GetOptions{})
	if err != nil {
		return fmt.Errorf("repo: copy %s: %w", src, err)
	}
	defer rc.Close()
	if _, err := r.st.Put(ctx, dst, rc, oi.Size, opts); err != nil {
		return fmt.Errorf("repo: copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// Repair makes current/ a copy of the head snapshot again if an
// interrupted publish left it behind (under the target's lease). It
// reports whether anything was rewritten.
func (r *Repo) Repair(ctx context.Context) (bool, error) {
	l, lctx, err := r.acquire(ctx, "repair")
	if err != nil {
		return false, err
	}
	defer l.release(ctx)
	h, m, err := r.Current(lctx)
	if err != nil {
		return false, err
	}
	return r.repairCurrent(lctx, h, m)
}
