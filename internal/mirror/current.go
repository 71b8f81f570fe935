package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// currentFiles are the files of current/ before repo.sha256, which is
// written last (as publishing does).
var currentFiles = []string{repo.FileRepoInfo, repo.FileRepo, repo.FilePackageList, repo.FileRepoMinisig}

// refreshCurrent makes the destination's current/ a copy of the head
// snapshot's files (the destination's own copies), repo.sha256 last, and
// removes a repo.minisig an unsigned head does not have. It is in step,
// and nothing is read but repo.sha256, when current/repo.sha256 already
// equals the snapshot's (written last, so the refresh that wrote it
// finished) and every other file has the snapshot file's size; Deep
// compares the bytes.
func (p *pass) refreshCurrent(ctx context.Context, h *repo.Head) error {
	snap := func(name string) string { return p.dr.SnapshotKey(h.Snapshot, name) }
	sum, err := getSmall(ctx, p.dst, snap(repo.FileRepoSHA256))
	if err != nil {
		return fmt.Errorf("mirror: read %s from %s: %w", snap(repo.FileRepoSHA256), p.dst, err)
	}
	if !p.o.Deep {
		in, err := p.currentInStep(ctx, snap, sum)
		if err != nil || in {
			return err
		}
	}
	for _, name := range currentFiles {
		b, err := getSmall(ctx, p.dst, snap(name))
		if errors.Is(err, store.ErrNotFound) && name == repo.FileRepoMinisig {
			if err := p.dst.Delete(ctx, p.dr.CurrentKey(name)); err != nil {
				return fmt.Errorf("mirror: delete stale %s in %s: %w", p.dr.CurrentKey(name), p.dst, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("mirror: read %s from %s: %w", snap(name), p.dst, err)
		}
		if err := p.putCurrent(ctx, name, b); err != nil {
			return err
		}
	}
	return p.putCurrent(ctx, repo.FileRepoSHA256, sum)
}

// currentInStep reports whether current/ is in step with the head snapshot
// by repo.sha256's content and the other files' sizes (counting them
// present if so).
func (p *pass) currentInStep(ctx context.Context, snap func(string) string, sum []byte) (bool, error) {
	cur, err := getSmall(ctx, p.dst, p.dr.CurrentKey(repo.FileRepoSHA256))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !bytes.Equal(cur, sum)) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mirror: read %s from %s: %w", p.dr.CurrentKey(repo.FileRepoSHA256), p.dst, err)
	}
	var sizes []int64
	for _, name := range currentFiles {
		want, werr := p.dst.Stat(ctx, snap(name))
		have, herr := p.dst.Stat(ctx, p.dr.CurrentKey(name))
		for _, e := range []error{werr, herr} {
			if e != nil && !errors.Is(e, store.ErrNotFound) {
				return false, fmt.Errorf("mirror: stat in %s: %w", p.dst, e)
			}
		}
		switch {
		case werr != nil && herr != nil: // no signature, none in current/
			continue
		case werr != nil || herr != nil || want.Size != have.Size:
			return false, nil
		}
		sizes = append(sizes, have.Size)
	}
	for _, n := range append(sizes, int64(len(sum))) {
		p.count(&p.res.Present, n)
	}
	return true, nil
}

// putCurrent writes current/<name> unless it holds b already.
func (p *pass) putCurrent(ctx context.Context, name string, b []byte) error {
	key := p.dr.CurrentKey(name)
	old, err := getSmall(ctx, p.dst, key)
	switch {
	case err == nil && bytes.Equal(old, b):
		p.count(&p.res.Present, int64(len(b)))
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("mirror: read %s from %s: %w", key, p.dst, err)
	}
	if _, err := p.dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
		return fmt.Errorf("mirror: write %s to %s: %w", key, p.dst, err)
	}
	p.count(&p.res.Copied, int64(len(b)))
	return nil
}
