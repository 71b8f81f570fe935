package repo

import (
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/store"
)

// Rollback makes the content of snapshot id current again, as a new
// snapshot (the history only grows). Package files the target snapshot
// lists that were moved to .obsolete/ are restored first. sign may be nil.
func (r *Repo) Rollback(ctx context.Context, id string, sign Signer, reason string) (*Result, error) {
	l, lctx, err := r.acquire(ctx, "rollback")
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	head, cur, err := r.Current(lctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.repairCurrent(lctx, head, cur); err != nil {
		return nil, err
	}
	to, err := r.ResolveSnapshot(lctx, id)
	if err != nil {
		return nil, err
	}
	have := cur.Files()
	for _, p := range to.Packages {
		if have[p.File] {
			continue
		}
		if err := r.ensurePackage(lctx, p); err != nil {
			return nil, err
		}
	}
	m := &Manifest{Schema: ManifestSchema, Created: r.now(), Parent: cur.ID, RolledBackTo: to.ID, Repository: to.Repository, Packages: to.Packages}
	m.ID = newSnapshotID(m.Created)
	m.Reason = reason
	if m.Reason == "" {
		m.Reason = "rollback to " + to.ID
	}
	res := &Result{Parent: cur.ID}
	res.Added, res.Removed = diffFiles(cur, m)
	if err := r.commit(lctx, l, head, cur, m, sign); err != nil {
		return nil, err
	}
	res.Snapshot, res.RepoSHA256, res.Packages = m.ID, m.RepoSHA256, len(m.Packages)
	return res, nil
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
