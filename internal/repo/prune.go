package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// PruneOptions are the retention rules. Zero values select the defaults;
// a negative KeepAge keeps no snapshot for its age, a negative Grace
// retires unreferenced packages at once.
type PruneOptions struct {
	// KeepSnapshots is how many snapshots of the head history are kept,
	// the head included (default 10).
	KeepSnapshots int
	// KeepAge keeps every snapshot of the head history younger than this
	// (default 7 days).
	KeepAge time.Duration
	// Grace is how long a package no retained snapshot references stays in
	// current/packages/ after it left the head (default 24h); also the age
	// after which unreferenced uploads and snapshots of failed publishes
	// are cleaned up.
	Grace time.Duration
	// ObsoleteRetention is how long a package stays in .obsolete/ before it
	// is deleted (default 30 days; negative: never delete).
	ObsoleteRetention time.Duration
	// DryRun computes and reports without changing anything.
	DryRun bool
	// Active, if not nil, lists the packages the active ports produce
	// (package name → port version): first, listed packages HaikuPorter's
	// rules retire (ObsoleteByPorts) are removed in a new snapshot.
	Active map[string]pkginfo.Version
	// AllowMassRemoval lifts the guard against removing more than a
	// quarter of the packages through Active.
	AllowMassRemoval bool
	// Signer signs that new snapshot.
	Signer Signer
	// Guard, if set, may refuse that new snapshot as it refuses a publish
	// (see Guard); a refusal is wrapped in ErrRefused and prunes nothing.
	Guard Guard
}

func (o *PruneOptions) defaults() {
	if o.KeepSnapshots <= 0 {
		o.KeepSnapshots = 10
	}
	if o.KeepAge == 0 {
		o.KeepAge = 7 * 24 * time.Hour
	}
	if o.Grace == 0 {
		o.Grace = 24 * time.Hour
	}
	if o.ObsoleteRetention == 0 {
		o.ObsoleteRetention = 30 * 24 * time.Hour
	}
}

// PruneResult says what Prune did (or would do, with DryRun).
type PruneResult struct {
	KeptSnapshots    []string  `json:"keptSnapshots"`
	DeletedSnapshots []string  `json:"deletedSnapshots,omitempty"`
	Obsoleted        []string  `json:"obsoleted,omitempty"` // moved to .obsolete/
	DeletedObsolete  []string  `json:"deletedObsolete,omitempty"`
	Pending          []string  `json:"pending,omitempty"`        // unreferenced, still in their grace period
	DeletedStaging   []string  `json:"deletedStaging,omitempty"` // .kiln/incoming/ objects of interrupted ingests
	Removed          []Removal `json:"removed,omitempty"`        // dropped from the listing by the port rules
	DryRun           bool      `json:"dryRun,omitempty"`

	// DeletedTemps are temp files of interrupted writes (older than
	// StaleTempAge) that were removed.
	DeletedTemps []string `json:"deletedTemps,omitempty"`
}

// obsoleteIndex is .kiln/obsolete.json: when each file was moved to
// .obsolete/ (the store's modification time is not reliable for that: a
// hard-linking or copying backend may keep the original time).
type obsoleteIndex struct {
	Moved map[string]time.Time `json:"moved"`
}

func (l layout) obsoleteIndex() string { return l.p + ".kiln/obsolete.json" }

// Prune applies the retention rules under the target's lease. Snapshots
// are retained by count and age along the head history (the head always);
// a package file leaves current/packages/ (moved to .obsolete/) only when
// no retained snapshot lists it and Grace has passed since it left the
// head; a snapshot that still protects a package in its grace period is
// kept until the next prune. Snapshots are deleted before the packages
// they alone listed are moved, so every stored manifest always lists only
// packages in current/packages/. Obsolete files are deleted after
// ObsoleteRetention. Staging objects Ingest left in .kiln/incoming/ (a
// crash mid-ingest) are deleted once older than Grace. Prune lists the
// target's snapshots, packages and staging objects.
func (r *Repo) Prune(ctx context.Context, o PruneOptions) (*PruneResult, error) {
	o.defaults()
	l, lctx, err := r.acquire(ctx, "prune")
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	res := &PruneResult{DryRun: o.DryRun}
	if o.Active != nil {
		if res.Removed, err = r.removeObsolete(ctx, lctx, l, o); err != nil {
			return res, err
		}
	}
	ctx = lctx
	ld, err := r.loadAll(ctx)
	if err != nil {
		return nil, err
	}
	if ld.head == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoHead, r.target)
	}
	if len(ld.chain) == 0 {
		return nil, fmt.Errorf("repo: head snapshot %s of %s is unreadable; not pruning", ld.head.Snapshot, r.target)
	}
	if _, err := r.repairCurrent(ctx, ld.head, ld.chain[0]); err != nil {
		return nil, err
	}
	now := r.now()
	keep := map[string]bool{}
	for i, m := range ld.chain {
		if i < o.KeepSnapshots || now.Sub(m.Created) < o.KeepAge {
			keep[m.ID] = true
		}
	}
	retained := map[string]bool{}
	for id := range keep {
		for _, p := range ld.byID[id].Packages {
			retained[p.File] = true
		}
	}
	// Pin history snapshots that protect a package in its grace period:
	// the package left the head when the next newer snapshot became head.
	for i := 1; i < len(ld.chain); i++ {
		m := ld.chain[i]
		if keep[m.ID] {
			continue
		}
		left := ld.chain[i-1].Created
		for _, p := range m.Packages {
			if retained[p.File] || now.Sub(left) >= o.Grace {
				continue
			}
			keep[m.ID] = true
			break
		}
		if keep[m.ID] {
			for _, p := range m.Packages {
				retained[p.File] = true
			}
		}
	}
	// Snapshots of failed publishes (never head) are kept for Grace.
	for id, m := range ld.byID {
		if !ld.inHist[id] && now.Sub(m.Created) < o.Grace {
			keep[id] = true
			for _, p := range m.Packages {
				retained[p.File] = true
			}
		}
	}
	// Packages of build-packages repositories stay (buildpackages.go).
	bp, err := r.buildPackagesFiles(ctx)
	if err != nil {
		return nil, err
	}
	for f := range bp {
		retained[f] = true
	}
	referenced := map[string]bool{}
	for _, m := range ld.byID {
		for _, p := range m.Packages {
			referenced[p.File] = true
		}
	}
	var del []string
	for id := range ld.byID {
		if !keep[id] {
			del = append(del, id)
		}
	}
	for id := range ld.bad {
		if t, ok := idTime(id); ok && now.Sub(t) >= o.Grace {
			del = append(del, id) // interrupted snapshot write
		}
	}
	slices.Sort(del)
	res.DeletedSnapshots = del
	for id := range keep {
		res.KeptSnapshots = append(res.KeptSnapshots, id)
	}
	slices.Sort(res.KeptSnapshots)
	if !o.DryRun {
		for _, id := range del {
			if err := r.deleteSnapshot(ctx, id); err != nil {
				return res, err
			}
		}
	}
	if err := r.prunePackages(ctx, o, now, retained, referenced, res); err != nil {
		return res, err
	}
	if err := r.pruneIncoming(ctx, o, now, res); err != nil {
		return res, err
	}
	temps, err := r.staleTemps(ctx, !o.DryRun)
	for _, t := range temps {
		res.DeletedTemps = append(res.DeletedTemps, t.Key)
	}
	return res, err
}

// idTime parses the time prefix of a snapshot id made by newSnapshotID.
func idTime(id string) (time.Time, bool) {
	ts, _, _ := strings.Cut(id, "-")
	t, err := time.Parse("20060102T150405.000Z", ts)
	return t, err == nil
}

// deleteSnapshot deletes a snapshot's objects, the manifest first.
func (r *Repo) deleteSnapshot(ctx context.Context, id string) error {
	if err := r.st.Delete(ctx, r.l.snapshot(id, FileManifest)); err != nil {
		return fmt.Errorf("repo: delete snapshot %s: %w", id, err)
	}
	var keys []string
	err := r.st.List(ctx, r.l.snapshot(id, ""), "", func(oi store.ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("repo: list snapshot %s: %w", id, err)
	}
	for _, k := range keys {
		if err := r.st.Delete(ctx, k); err != nil {
			return fmt.Errorf("repo: delete %s: %w", k, err)
		}
	}
	r.log.Info("deleted snapshot", "snapshot", id)
	return nil
}

// prunePackages moves unreferenced packages to .obsolete/ and deletes
// expired obsolete files.
func (r *Repo) prunePackages(ctx context.Context, o PruneOptions, now time.Time, retained, referenced map[string]bool, res *PruneResult) error {
	idx := obsoleteIndex{Moved: map[string]time.Time{}}
	b, _, err := getSmall(ctx, r.st, r.l.obsoleteIndex(), maxManifestSize)
	switch {
	case err == nil:
		if i, err := parseObsoleteIndex(b, r.l.obsoleteIndex()); err != nil {
			r.log.Warn("unreadable obsolete index, starting a new one", "err", err)
		} else {
			idx = i
		}
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("repo: read %s: %w", r.l.obsoleteIndex(), err)
	}
	pp, op := r.l.packagesPrefix(), r.l.obsoletePrefix()
	type obj struct {
		file string
		mod  time.Time
	}
	var live, obs []obj
	err = r.st.List(ctx, pp, "", func(oi store.ObjectInfo) error {
		switch {
		case strings.HasPrefix(oi.Key, op):
			obs = append(obs, obj{strings.TrimPrefix(oi.Key, op), oi.Modified})
		case !strings.Contains(strings.TrimPrefix(oi.Key, pp), "/"):
			live = append(live, obj{strings.TrimPrefix(oi.Key, pp), oi.Modified})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("repo: list packages of %s: %w", r.target, err)
	}
	changed := false
	for _, p := range live {
		if retained[p.file] {
			continue
		}
		// Listed only by deleted snapshots: their grace has passed. Listed
		// by none (an upload whose publish failed, or an import leftover):
		// judged by its upload time.
		if !referenced[p.file] && now.Sub(p.mod) < o.Grace {
			res.Pending = append(res.Pending, p.file)
			continue
		}
		res.Obsoleted = append(res.Obsoleted, p.file)
		if o.DryRun {
			continue
		}
		if err := r.copyObject(ctx, r.l.pkg(p.file), r.l.obsolete(p.file), store.PutOptions{}); err != nil {
			return err
		}
		idx.Moved[p.file] = now
		changed = true
		if err := r.st.Delete(ctx, r.l.pkg(p.file)); err != nil {
			return fmt.Errorf("repo: delete %s: %w", r.l.pkg(p.file), err)
		}
		r.log.Info("obsoleted package", "file", p.file)
	}
	if o.ObsoleteRetention > 0 {
		for _, p := range obs {
			moved, ok := idx.Moved[p.file]
			if !ok {
				moved = p.mod
			}
			// A stale copy of a package that was published again is dropped.
			if now.Sub(moved) < o.ObsoleteRetention && !retained[p.file] {
				continue
			}
			res.DeletedObsolete = append(res.DeletedObsolete, p.file)
			if o.DryRun {
				continue
			}
			if err := r.st.Delete(ctx, r.l.obsolete(p.file)); err != nil {
				return fmt.Errorf("repo: delete %s: %w", r.l.obsolete(p.file), err)
			}
			delete(idx.Moved, p.file)
			changed = true
		}
	}
	if changed {
		b, _ := json.MarshalIndent(&idx, "", " ")
		if _, err := putBytes(ctx, r.st, r.l.obsoleteIndex(), append(b, '\n'), store.PutOptions{ContentType: "application/json"}); err != nil {
			return fmt.Errorf("repo: write %s: %w", r.l.obsoleteIndex(), err)
		}
	}
	return nil
}
