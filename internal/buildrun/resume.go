package buildrun

import (
	"context"
	"fmt"
	"slices"
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
	staged, err := r.stagedKeys(ctx)
	if err != nil {
		return err
	}
	for _, b := range r.builds {
		// An attempt may have collected every output before kiln stopped,
		// even if the record of its start was not written yet: then the
		// build is done, not built again.
		if !b.rec.State.Final() && r.allStaged(b, staged) && r.recoverProducts(ctx, b, true) {
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
// there), or staged under the run (they are published with the next
// publish). adopt: the build's record does not list its products yet
// (an attempt kiln stopped during); staged outputs are checked by
// parsing them.
func (r *runner) recoverProducts(ctx context.Context, b *bstate, adopt bool) bool {
	if r.head != nil && !slices.ContainsFunc(b.rec.Outputs, func(f string) bool { _, ok := r.head.Lookup(f); return !ok }) {
		if b.rec.Published == "" {
			b.rec.Published = r.head.ID
			r.saveBuild(b)
		}
		return true
	}
	want := b.rec.Products
	if adopt {
		want = nil
		for _, f := range b.rec.Outputs {
			want = append(want, Product{File: f})
		}
	}
	if len(want) != len(b.rec.Outputs) {
		return false
	}
	var ps []*product
	for _, w := range want {
		p, err := unstage(ctx, r.opts.Store, r.opts.SpoolDir, r.l.staged(r.run.ID, b.rec.Number, w.File), w)
		if err != nil {
			for _, p := range ps {
				p.release()
			}
			if !isNotFound(err) {
				r.log.Warn("staged package unusable", "build", b.rec.Number, "file", w.File, "err", err)
			}
			return false
		}
		p.Port, p.Build = b.task.ID, b.rec.Number
		ps = append(ps, p)
	}
	b.products = ps
	b.rec.Products = b.rec.Products[:0]
	for _, p := range ps {
		r.products[p.File] = p
		b.rec.Products = append(b.rec.Products, p.Product)
	}
	r.toPublish = append(r.toPublish, b)
	return true
}

// stagedKeys lists the run's staged packages.
func (r *runner) stagedKeys(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := r.opts.Store.List(ctx, r.l.run(r.run.ID)+"packages/", "", func(oi store.ObjectInfo) error {
		out[oi.Key] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("buildrun: list staged packages: %w", err)
	}
	return out, nil
}

func (r *runner) allStaged(b *bstate, staged map[string]bool) bool {
	for _, f := range b.rec.Outputs {
		if !staged[r.l.staged(r.run.ID, b.rec.Number, f)] {
			return false
		}
	}
	return true
}
