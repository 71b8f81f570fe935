package mirror

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// deleteGone removes from the destination what the source no longer
// holds (Options.Delete), after the head and current/ are in step:
//
//  1. snapshots and build-packages repositories that are not complete in
//     the source (pruned there, or leftovers of an interrupted
//     publish), each manifest.json first so that a crash leaves it
//     incomplete, which the next pass removes;
//  2. package files the source's current/packages/ does not hold and no
//     snapshot or build-packages repository left at the destination lists
//     (the manifests are read only when there is such a file).
//
// Files the destination's own prune moved to .obsolete/ are left alone.
func (p *pass) deleteGone(ctx context.Context, snaps, bps snapshotPlan, dstSnaps, dstBP map[string]int64) error {
	keep := func(all []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range all {
			m[id] = true
		}
		return m
	}
	if err := p.deleteListings(ctx, p.dr.SnapshotsPrefix(), dstSnaps, keep(snaps.all)); err != nil {
		return err
	}
	if err := p.deleteListings(ctx, p.dr.BuildPackagesPrefix(), dstBP, keep(bps.all)); err != nil {
		return err
	}
	pp := p.dr.PackagesPrefix()
	have, err := listDirect(ctx, p.dst, pp)
	if err != nil {
		return err
	}
	inSrc, err := listDirect(ctx, p.src, pp)
	if err != nil {
		return err
	}
	var gone []string
	for f := range have {
		if _, ok := inSrc[f]; !ok {
			gone = append(gone, f)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	listed := map[string]bool{}
	for _, id := range snaps.all {
		m, err := p.dr.Manifest(ctx, id)
		if err != nil {
			return fmt.Errorf("mirror: destination: %w", err)
		}
		for _, pk := range m.Packages {
			listed[pk.File] = true
		}
	}
	for _, n := range bps.all {
		m, err := p.dr.BuildPackages(ctx, n)
		if err != nil {
			return fmt.Errorf("mirror: destination: %w", err)
		}
		for _, pk := range m.Packages {
			listed[pk.File] = true
		}
	}
	slices.Sort(gone)
	for _, f := range gone {
		if listed[f] {
			continue // the source lost a package a snapshot lists: verify --deep tells
		}
		if err := p.del(ctx, pp+f, have[f]); err != nil {
			return err
		}
	}
	return nil
}

// deleteListings deletes the directories under prefix (snapshots or
// build-packages repositories, listed in have) whose id keep lacks,
// manifest.json first.
func (p *pass) deleteListings(ctx context.Context, prefix string, have map[string]int64, keep map[string]bool) error {
	byID := map[string][]string{}
	for rel := range have {
		id, file, ok := strings.Cut(rel, "/")
		if !ok || keep[id] {
			continue
		}
		byID[id] = append(byID[id], file)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		files := byID[id]
		slices.SortFunc(files, func(a, b string) int { // manifest.json first
			switch {
			case a == b:
				return 0
			case strings.HasSuffix(a, "manifest.json") && !strings.Contains(a, "/"):
				return -1
			case strings.HasSuffix(b, "manifest.json") && !strings.Contains(b, "/"):
				return 1
			}
			return strings.Compare(a, b)
		})
		for _, f := range files {
			if err := p.del(ctx, prefix+id+"/"+f, have[id+"/"+f]); err != nil {
				return err
			}
		}
		p.o.Logger.Info("deleted from the mirror: gone from the source", "key", prefix+id+"/")
	}
	return nil
}

func (p *pass) del(ctx context.Context, key string, size int64) error {
	if err := p.dst.Delete(ctx, key); err != nil {
		return fmt.Errorf("mirror: delete %s in %s: %w", key, p.dst, err)
	}
	p.count(&p.res.Deleted, size)
	return nil
}
