package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// errSourceMoved: the source's head moved during a pass; the pass is run
// again (what it copied stays and is found present).
var errSourceMoved = errors.New("mirror: the source's head moved during the pass")

// maxPasses bounds the passes over a target whose source head keeps moving.
const maxPasses = 3

// pass is one pass over one target.
type pass struct {
	src, dst store.Store
	sr, dr   *repo.Repo
	o        Options
	mu       sync.Mutex // guards res
	res      *TargetResult
	meter    *meter
}

// mirrorTarget mirrors target t: a read-only check that the destination
// is a mirror (or empty), then passes under the destination's lease until
// one sees the source's head unchanged from start to end.
func mirrorTarget(ctx context.Context, src, dst store.Store, t repo.Target, o Options) (TargetResult, error) {
	tr := TargetResult{Target: t.String()}
	sr := repo.New(src, t, repo.Options{Logger: o.Logger})
	if err := sr.CheckExists(ctx); err != nil {
		return tr, err
	}
	dr := repo.New(dst, t, repo.Options{Logger: o.Logger, Holder: o.Holder, LeaseWait: o.LeaseWait, OnLeaseWait: o.OnLeaseWait})
	p := &pass{src: src, dst: dst, sr: sr, dr: dr, o: o, res: &tr}
	if err := p.checkDestination(ctx); err != nil {
		return tr, err
	}
	var err error
	for range maxPasses {
		err = dr.Hold(ctx, "mirror from "+src.String(), p.run)
		if !errors.Is(err, errSourceMoved) {
			return tr, err
		}
		o.Logger.Info("source head moved during the mirror, passing again", "target", t.String())
	}
	return tr, fmt.Errorf("%w %d times in a row (publishing faster than it can be mirrored?)", errSourceMoved, maxPasses)
}

// checkDestination refuses a destination that holds something other than
// a mirror of the source: a head naming a snapshot the source lacks, or a
// repository without a kiln head (HaikuPorter's).
func (p *pass) checkDestination(ctx context.Context) error {
	dh, err := p.dr.ReadHead(ctx)
	switch {
	case errors.Is(err, repo.ErrNoHead):
		if _, err := p.dst.Stat(ctx, p.dr.CurrentKey(repo.FileRepo)); err == nil {
			// A mirror that lost its head still holds the source's snapshots.
			ids, err := p.dr.SnapshotIDs(ctx)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, err := p.src.Stat(ctx, p.sr.SnapshotKey(id, repo.FileManifest)); err == nil {
					return nil
				}
			}
			return fmt.Errorf("%w: %s holds %s without a kiln head (a repository kiln did not publish); mirror into an empty location",
				ErrDiverged, p.dst, p.dr.CurrentKey(repo.FileRepo))
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	case err != nil:
		return err
	}
	if _, err := p.src.Stat(ctx, p.sr.SnapshotKey(dh.Snapshot, repo.FileManifest)); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: the head of %s in %s is snapshot %s, which %s does not hold (it was published to, not mirrored); mirror into another location",
			ErrDiverged, p.dr.Target(), p.dst, dh.Snapshot, p.src)
	} else if err != nil {
		return err
	}
	return nil
}

// run is one pass under the destination's lease.
func (p *pass) run(ctx context.Context) error {
	srcHead, err := p.readHead(ctx, p.src, p.sr)
	if err != nil {
		return err
	}
	if srcHead == nil {
		return fmt.Errorf("%w: %s in %s", repo.ErrNoHead, p.sr.Target(), p.src)
	}
	dstHead, err := p.readHead(ctx, p.dst, p.dr)
	if err != nil {
		return err
	}
	if dstHead != nil {
		p.res.PreviousHead = dstHead.head.Snapshot
	}
	sp := p.sr.SnapshotsPrefix()
	srcSnaps, err := listSizes(ctx, p.src, sp)
	if err != nil {
		return err
	}
	dstSnaps, err := listSizes(ctx, p.dst, sp)
	if err != nil {
		return err
	}
	bp := p.sr.BuildPackagesPrefix()
	srcBP, err := listSizes(ctx, p.src, bp)
	if err != nil {
		return err
	}
	dstBP, err := listSizes(ctx, p.dst, bp)
	if err != nil {
		return err
	}
	snaps := plan(srcSnaps, dstSnaps, p.o.Deep)
	bps := plan(srcBP, dstBP, p.o.Deep)
	if !slices.Contains(snaps.all, srcHead.head.Snapshot) {
		return fmt.Errorf("%w: head %s of %s has no manifest in %s", ErrSourceCorrupt, srcHead.head.Snapshot, p.sr.Target(), p.src)
	}
	p.res.Snapshots, p.res.BuildPackages = len(snaps.all), len(bps.all)

	// What the new snapshots and build-packages repositories bring.
	newSnaps, err := p.readManifests(ctx, snaps.todo, func(id string) string { return p.sr.SnapshotKey(id, repo.FileManifest) })
	if err != nil {
		return err
	}
	newBPs, err := p.readManifests(ctx, bps.todo, func(n string) string { return p.sr.BuildPackagesKey(n, repo.FileManifest) })
	if err != nil {
		return err
	}
	pkgs, covered, err := p.packagesToCheck(ctx, append(slices.Clone(newSnaps), newBPs...), snaps.done)
	if err != nil {
		return err
	}
	p.meter = newMeter(p.o.Progress, p.sr.Target().String(), pkgs, newSnaps, newBPs)
	defer p.meter.finish()

	// 1. Packages.
	if err := p.copyPackages(ctx, pkgs, covered); err != nil {
		return err
	}
	// 2. Snapshot files, manifest last, oldest snapshot first.
	for _, s := range newSnaps {
		if err := p.copyListing(ctx, s, func(name string) string { return p.sr.SnapshotKey(s.m.ID, name) }); err != nil {
			return err
		}
		p.mu.Lock()
		p.res.NewSnapshots++
		p.mu.Unlock()
	}
	for _, b := range newBPs {
		if err := p.copyListing(ctx, b, func(name string) string { return p.sr.BuildPackagesKey(b.m.ID, name) }); err != nil {
			return err
		}
	}
	// 3. The head, if the source's has not moved meanwhile.
	again, err := p.readHead(ctx, p.src, p.sr)
	if err != nil {
		return err
	}
	if again == nil || !bytes.Equal(again.raw, srcHead.raw) {
		return errSourceMoved
	}
	if err := p.moveHead(ctx, srcHead, dstHead); err != nil {
		return err
	}
	p.res.Head = srcHead.head.Snapshot
	// 4. current/, repo.sha256 last.
	if err := p.refreshCurrent(ctx, srcHead.head); err != nil {
		return err
	}
	// 5. With Delete, what the source no longer holds.
	if p.o.Delete {
		return p.deleteGone(ctx, snaps, bps, dstSnaps, dstBP)
	}
	return nil
}

// snapshotPlan splits the complete snapshots (or build-packages
// repositories) of the source: done ones the destination completed (its
// manifest.json has the source's size), todo the others; all is both, in
// key order. A snapshot without manifest.json in the source is incomplete
// (an interrupted publish) and not mirrored.
type snapshotPlan struct{ all, done, todo []string }

func plan(src, dst map[string]int64, deep bool) snapshotPlan {
	var sp snapshotPlan
	for rel, size := range src {
		id, file, ok := strings.Cut(rel, "/")
		if !ok || file != repo.FileManifest {
			continue
		}
		sp.all = append(sp.all, id)
		if ds, ok := dst[rel]; ok && ds == size && !deep {
			sp.done = append(sp.done, id)
		} else {
			sp.todo = append(sp.todo, id)
		}
	}
	slices.Sort(sp.all)
	slices.Sort(sp.done)
	slices.Sort(sp.todo)
	return sp
}

// listSizes lists every object under prefix: key without the prefix → size.
func listSizes(ctx context.Context, st store.Store, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	err := st.List(ctx, prefix, "", func(oi store.ObjectInfo) error {
		out[strings.TrimPrefix(oi.Key, prefix)] = oi.Size
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mirror: list %s in %s: %w", prefix, st, err)
	}
	return out, nil
}

// listDirect lists the objects right under prefix (not below a further
// "/"): name → size.
func listDirect(ctx context.Context, st store.Store, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	err := st.List(ctx, prefix, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			out[strings.TrimPrefix(oi.Key, prefix)] = oi.Size
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mirror: list %s in %s: %w", prefix, st, err)
	}
	return out, nil
}

func (p *pass) count(c *Count, n int64) {
	p.mu.Lock()
	c.add(n)
	p.mu.Unlock()
}
