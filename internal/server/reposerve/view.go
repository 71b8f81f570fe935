package reposerve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// view is what the handler knows of one target at one time. A view is
// never modified after it is published; requests read the latest with one
// atomic load and never wait for a refresh.
type view struct {
	seq   uint64         // the refresh that made it; newer refreshes win
	head  *repo.Head     // nil: the target has no published snapshot
	man   *repo.Manifest // the head's manifest (nil without a head)
	ids   []string       // stored snapshot ids, newest first
	known map[string]bool
	// builds are the target's complete build-packages repositories by
	// name (immutable, so carried over from view to view).
	builds    map[string]*repo.Manifest
	refreshed time.Time // when the head was read
	err       error     // the last refresh's error (the view is then the one before)
}

// target is one served repository.
type target struct {
	r       *repo.Repo
	st      store.Store
	presign store.Presigner // nil: bytes are streamed
	cur     atomic.Pointer[view]
	seq     atomic.Uint64
	mans    *manifestCache
	loads   singleflight.Group
}

func (tg *target) name() string { return tg.r.Target().String() }

// refresh reads the target's head (one small GET), its manifest when the
// head moved (one GET) and the snapshot ids (one delimited listing), and
// publishes the result. Concurrent refreshes need no lock: each takes a
// sequence number before its first read, and a view replaces only views
// of older refreshes, so the newest read wins. On error the previous view
// stays served (with the error recorded) and the error is returned.
func (tg *target) refresh(ctx context.Context, now time.Time) error {
	seq := tg.seq.Add(1)
	v, err := tg.load(ctx, seq, now)
	if err != nil {
		err = fmt.Errorf("reposerve: refresh %s: %w", tg.name(), err)
		prev := tg.cur.Load()
		failed := &view{seq: seq, err: err, refreshed: now}
		if prev != nil {
			c := *prev
			c.seq, c.err = seq, err
			failed = &c
		}
		tg.publish(failed)
		return err
	}
	tg.publish(v)
	return nil
}

func (tg *target) load(ctx context.Context, seq uint64, now time.Time) (*view, error) {
	v := &view{seq: seq, refreshed: now, known: map[string]bool{}}
	h, err := tg.r.ReadHead(ctx)
	switch {
	case errors.Is(err, repo.ErrNoHead):
	case err != nil:
		return nil, err
	default:
		v.head = h
		if prev := tg.cur.Load(); prev != nil && prev.head != nil && prev.man != nil && prev.head.Snapshot == h.Snapshot {
			v.man = prev.man // snapshots are immutable
		} else if v.man, err = tg.r.Manifest(ctx, h.Snapshot); err != nil {
			return nil, err
		}
		if h.RepoSHA256 != "" && v.man.RepoSHA256 != h.RepoSHA256 {
			return nil, fmt.Errorf("%w: head names repo %s, snapshot %s holds %s", repo.ErrBadManifest, h.RepoSHA256, h.Snapshot, v.man.RepoSHA256)
		}
	}
	ids, err := tg.r.SnapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	if v.builds, err = tg.loadBuilds(ctx); err != nil {
		return nil, err
	}
	slices.Reverse(ids) // ids sort by creation time
	for _, id := range ids {
		v.known[id] = true
	}
	if v.head != nil && !v.known[v.head.Snapshot] {
		v.known[v.head.Snapshot] = true
		v.ids = append([]string{v.head.Snapshot}, ids...)
	} else {
		v.ids = ids
	}
	return v, nil
}

// publish makes v the served view unless a newer refresh already published.
func (tg *target) publish(v *view) {
	for {
		cur := tg.cur.Load()
		if cur != nil && cur.seq > v.seq {
			return
		}
		if tg.cur.CompareAndSwap(cur, v) {
			return
		}
	}
}

// manifest returns the manifest of snapshot id, which v lists: the head's
// from memory, others from the cache or one store GET (concurrent misses
// of one id share it).
func (tg *target) manifest(ctx context.Context, v *view, id string) (*repo.Manifest, error) {
	if v.head != nil && v.head.Snapshot == id {
		return v.man, nil
	}
	if !v.known[id] {
		return nil, fmt.Errorf("%w: %s in %s", repo.ErrSnapshotNotFound, id, tg.name())
	}
	if m := tg.mans.get(id); m != nil {
		return m, nil
	}
	// The load is shared by concurrent requests, so it must not end with
	// the first requester's context.
	ch := tg.loads.DoChan(id, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		m, err := tg.r.Manifest(lctx, id)
		if err != nil {
			return nil, err
		}
		tg.mans.put(m)
		return m, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*repo.Manifest), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
