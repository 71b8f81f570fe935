package buildrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// restore brings a resumed run's scheduler and records to what the
// stored records say: finished builds stay finished (a succeeded build
// whose packages can no longer be found is built again), running builds
// are requeued (their attempt was interrupted), and every other build
// gets the state its dependencies give it.
func (r *runner) restore(ctx context.Context) error {
	now := r.now()
	stored, err := r.storedPackages(ctx)
	if err != nil {
		return err
	}
	for _, b := range r.builds {
		// An attempt may have collected every output before kiln stopped,
		// even if the record of its start was not written yet: then the
		// build is done, not built again.
		if !b.rec.State.Final() && r.allStored(b, stored) && r.recoverProducts(ctx, b, true) {
			b.rec.State, b.rec.Reason, b.rec.Ended = BuildSucceeded, "its packages were collected before kiln stopped", now
			if n := len(b.rec.Attempts); n > 0 && b.rec.Attempts[n-1].Ended.IsZero() {
				b.rec.Attempts[n-1].Ended, b.rec.Attempts[n-1].Result = now, "succeeded"
			}
			r.saveBuild(b)
			r.masterf("build %d %s had collected its packages when kiln stopped; not built again", b.rec.Number, b.task.ID)
			r.sched.Succeeded(b.task.ID)
			continue
		}
		switch b.rec.State {
		case BuildSucceeded:
			if r.recoverProducts(ctx, b, false) {
				r.sched.Succeeded(b.task.ID)
				continue
			}
			r.masterf("build %d %s: its packages were not kept when kiln stopped; building it again", b.rec.Number, b.task.ID)
			b.rec.Products, b.rec.Ended = nil, time.Time{}
		case BuildSkipped:
			r.sched.Succeeded(b.task.ID)
			continue
		case BuildFailed, BuildCancelled:
			for _, l := range r.sched.Failed(b.task.ID) {
				lb := r.byID[l.ID]
				if lb.rec.State != BuildLost {
					lb.rec.State, lb.rec.LostChain, lb.rec.Reason = BuildLost, l.Chain, "dependency "+l.Chain[0]+" "+string(b.rec.State)
					lb.rec.Ended = now
					r.saveBuild(lb)
				}
			}
			continue
		case BuildLost:
			continue // settled by the failure it depends on (below if not)
		case BuildRunning:
			if n := len(b.rec.Attempts); n > 0 && b.rec.Attempts[n-1].Ended.IsZero() {
				b.rec.Attempts[n-1].Ended, b.rec.Attempts[n-1].Result = now, "interrupted"
				b.rec.Attempts[n-1].Error = "kiln stopped during the build"
			}
			r.masterf("build %d %s was running when kiln stopped; requeued", b.rec.Number, b.task.ID)
		}
	}
	// Give every unsettled build the state its dependencies give it
	// (a lost build whose failure record is missing is built again).
	for _, b := range r.builds {
		st, _ := r.sched.State(b.task.ID)
		switch st {
		case TaskReady:
			b.rec.State, b.rec.Waiting, b.rec.LostChain = BuildQueued, nil, nil
		case TaskWaiting:
			b.rec.State, b.rec.LostChain = BuildBlocked, nil
			b.rec.Waiting = slices.DeleteFunc(slices.Clone(b.rec.Needs), func(n string) bool {
				s, _ := r.sched.State(n)
				return s == TaskDone
			})
		default:
			continue
		}
		b.rec.Reason = ""
		r.saveBuild(b)
	}
	return nil
}

// recoverProducts reports whether the packages of a build are still
// available: published in the repository (later builds take them from
// there), or ingested into the store and not yet listed (they are
// published with the next publish). adopt: the build's record does not
// list its products (an attempt kiln stopped during); every output in
// the store is read once through Ingest's validation.
func (r *runner) recoverProducts(ctx context.Context, b *bstate, adopt bool) bool {
	if r.head != nil && !slices.ContainsFunc(b.rec.Outputs, func(f string) bool { _, ok := r.head.Lookup(f); return !ok }) {
		if b.rec.Published == "" {
			b.rec.Published = r.head.ID
			r.saveBuild(b)
		}
		return true
	}
	var ps []*product
	if adopt {
		for _, f := range b.rec.Outputs {
			pkg, err := ingestExisting(ctx, r.opts.Repo, f, r.source(b.task.ID, b.rec.Number))
			if err != nil {
				r.log.Warn("stored package of an interrupted build unusable", "build", b.rec.Number, "file", f, "err", err)
				return false
			}
			ps = append(ps, &product{Package: pkg})
		}
	} else {
		if len(b.rec.Products) != len(b.rec.Outputs) {
			return false
		}
		for _, pkg := range b.rec.Products {
			oi, err := r.opts.Store.Stat(ctx, r.opts.Repo.PackageKey(pkg.File))
			if err != nil || oi.Size != pkg.Size {
				return false
			}
			ps = append(ps, &product{Package: pkg})
		}
	}
	b.products = ps
	b.rec.Products = b.rec.Products[:0]
	for _, p := range ps {
		p.Build, p.st, p.key = b.rec.Number, r.opts.Store, r.opts.Repo.PackageKey(p.File)
		r.products[p.File] = p
		b.rec.Products = append(b.rec.Products, p.Package)
	}
	r.toPublish = append(r.toPublish, b)
	return true
}

// storedPackages lists the package files in current/packages/.
func (r *runner) storedPackages(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	prefix := r.opts.Repo.PackageKey("")
	err := r.opts.Store.List(ctx, prefix, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			out[strings.TrimPrefix(oi.Key, prefix)] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("buildrun: list stored packages: %w", err)
	}
	return out, nil
}

// allStored reports whether every output of b is in current/packages/
// and none is listed by the head (a published build is settled above).
func (r *runner) allStored(b *bstate, stored map[string]bool) bool {
	for _, f := range b.rec.Outputs {
		if !stored[f] {
			return false
		}
	}
	return true
}
