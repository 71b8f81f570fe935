package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
)

// snapshotCache keeps the summaries of the snapshots the snapshots page
// read, per target: a snapshot never changes once written, so a page
// view reads the head, one listing of the snapshot ids and only the
// manifests it has not seen (a real target's manifest lists thousands of
// packages; repo.Snapshots reads every one of them each time). Entries
// of snapshots no longer listed (pruned) are dropped. Safe for
// concurrent use.
type snapshotCache struct {
	mu sync.Mutex
	m  map[string]map[string]repo.SnapshotInfo // target → id → summary
}

// list returns t's snapshots as repo.Snapshots does (newest first, the
// head and the head's history marked, unreadable manifests with Err),
// from the cache where it can.
func (c *snapshotCache) list(ctx context.Context, t *daemon.Target) ([]repo.SnapshotInfo, error) {
	r := t.Repo()
	head, err := r.ReadHead(ctx)
	if err != nil && !errors.Is(err, repo.ErrNoHead) {
		return nil, err
	}
	ids, err := r.SnapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]map[string]repo.SnapshotInfo{}
	}
	known := c.m[t.Name()]
	c.mu.Unlock()
	out := make([]repo.SnapshotInfo, len(ids))
	var missing []int
	for i, id := range ids {
		if s, ok := known[id]; ok {
			out[i] = s
		} else {
			missing = append(missing, i)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, i := range missing {
		g.Go(func() error {
			m, err := r.Manifest(gctx, ids[i])
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				out[i] = repo.SnapshotInfo{ID: ids[i], Err: err, Error: err.Error()}
				return nil
			}
			out[i] = repo.SnapshotInfo{ID: m.ID, Parent: m.Parent, Created: m.Created, Reason: m.Reason,
				RolledBackTo: m.RolledBackTo, Packages: len(m.Packages), RepoSHA256: m.RepoSHA256}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	next := make(map[string]repo.SnapshotInfo, len(out))
	byID := make(map[string]*repo.SnapshotInfo, len(out))
	for i := range out {
		if out[i].Err == nil { // an unreadable manifest is tried again next time
			next[out[i].ID] = out[i]
		}
		byID[out[i].ID] = &out[i]
	}
	c.mu.Lock()
	c.m[t.Name()] = next
	c.mu.Unlock()
	if head != nil {
		if s, ok := byID[head.Snapshot]; ok {
			s.Head = true
		}
		for id := head.Snapshot; id != ""; {
			s, ok := byID[id]
			if !ok || s.InHistory || s.Err != nil {
				break
			}
			s.InHistory = true
			id = s.Parent
		}
	}
	slices.SortFunc(out, func(a, b repo.SnapshotInfo) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}
