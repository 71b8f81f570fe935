package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/store"
)

// newSnapshotID returns a new snapshot id: the UTC time (sortable) and a
// random suffix, e.g. 20261127T170325.123Z-1a2b3c4d.
func newSnapshotID(t time.Time) string {
	return t.UTC().Format("20060102T150405.000Z") + "-" + randHex(4)
}

// Manifest reads the manifest of snapshot id.
func (r *Repo) Manifest(ctx context.Context, id string) (*Manifest, error) {
	if !validSnapshotID(id) {
		return nil, fmt.Errorf("%w: bad snapshot id %q", ErrSnapshotNotFound, id)
	}
	if m := r.cacheGet(id); m != nil {
		return m, nil
	}
	b, _, err := getSmall(ctx, r.st, r.l.snapshot(id, FileManifest), maxManifestSize)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s in %s", ErrSnapshotNotFound, id, r.target)
	}
	if err != nil {
		return nil, fmt.Errorf("repo: read manifest %s: %w", id, err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("%w: snapshot %s holds the manifest of %s", ErrBadManifest, id, m.ID)
	}
	r.cachePut(m)
	return m, nil
}

// Current returns the head and its manifest.
func (r *Repo) Current(ctx context.Context) (*Head, *Manifest, error) {
	h, err := r.ReadHead(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := r.Manifest(ctx, h.Snapshot)
	if err != nil {
		return h, nil, err
	}
	return h, m, nil
}

// writeSnapshot stores the generated files and then the manifest (so a
// snapshot with a manifest is complete) under new keys.
func (r *Repo) writeSnapshot(ctx context.Context, m *Manifest, f files) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, nf := range f.named() {
		g.Go(func() error { return putImmutable(gctx, r.st, r.l.snapshot(m.ID, nf.name), nf.data) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	mb, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := putImmutable(ctx, r.st, r.l.snapshot(m.ID, FileManifest), mb); err != nil {
		return err
	}
	r.cachePut(m)
	return nil
}

// refreshCurrent copies the snapshot's files to current/, repo.sha256 last.
// prev (may be nil) is the manifest current/ held before; unchanged
// repo.info is not rewritten and a stale repo.minisig is deleted.
//
// The files before repo.sha256 are written in parallel; repo.sha256 is
// written only after all of them succeeded.
func (r *Repo) refreshCurrent(ctx context.Context, m *Manifest, f files, prev *Manifest) error {
	g, gctx := errgroup.WithContext(ctx)
	var last namedFile
	for _, nf := range f.named() {
		switch {
		case nf.name == FileRepoSHA256:
			last = nf
			continue
		case nf.name == FileRepoInfo && prev != nil && repoInfoEqual(prev, m):
			continue
		}
		g.Go(func() error {
			if _, err := putBytes(gctx, r.st, r.l.current(nf.name), nf.data, store.PutOptions{}); err != nil {
				return fmt.Errorf("repo: refresh current/%s of %s: %w", nf.name, r.target, err)
			}
			return nil
		})
	}
	if !m.Signed && (prev == nil || prev.Signed) {
		g.Go(func() error {
			if err := r.st.Delete(gctx, r.l.current(FileRepoMinisig)); err != nil {
				return fmt.Errorf("repo: delete stale %s: %w", FileRepoMinisig, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if _, err := putBytes(ctx, r.st, r.l.current(last.name), last.data, store.PutOptions{}); err != nil {
		return fmt.Errorf("repo: refresh current/%s of %s: %w", last.name, r.target, err)
	}
	return nil
}

func repoInfoEqual(a, b *Manifest) bool {
	x, err1 := json.Marshal(a.Repository)
	y, err2 := json.Marshal(b.Repository)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// readSnapshotFiles reads the generated files of a stored snapshot.
func (r *Repo) readSnapshotFiles(ctx context.Context, m *Manifest) (files, error) {
	var f files
	for _, x := range []struct {
		name string
		dst  *[]byte
	}{{FileRepo, &f.repo}, {FileRepoInfo, &f.repoInfo}, {FileRepoSHA256, &f.repoSHA256}, {FilePackageList, &f.packageList}, {FileRepoMinisig, &f.minisig}} {
		if x.name == FileRepoMinisig && !m.Signed {
			continue
		}
		b, _, err := getSmall(ctx, r.st, r.l.snapshot(m.ID, x.name), maxManifestSize)
		if err != nil {
			return f, fmt.Errorf("repo: read %s of snapshot %s: %w", x.name, m.ID, err)
		}
		*x.dst = b
	}
	return f, nil
}

// repairCurrent makes current/ a copy of the head snapshot if its
// repo.sha256 differs from the head's (an interrupted refresh). It reports
// whether it repaired anything.
func (r *Repo) repairCurrent(ctx context.Context, h *Head, m *Manifest) (bool, error) {
	b, _, err := getSmall(ctx, r.st, r.l.current(FileRepoSHA256), 4096)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("repo: read current/%s: %w", FileRepoSHA256, err)
	}
	if err == nil && len(b) >= 64 && string(b[:64]) == h.RepoSHA256 {
		return false, nil
	}
	r.log.Warn("current/ differs from head, repairing", "head", h.Snapshot)
	f, err := r.readSnapshotFiles(ctx, m)
	if err != nil {
		return false, err
	}
	return true, r.refreshCurrent(ctx, m, f, nil)
}
