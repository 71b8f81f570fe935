package buildrun

import (
	"context"
	"slices"
	"time"
)

// restore brings a resumed run's scheduler and records to what the
// stored records say: finished builds stay finished (a succeeded build
// whose packages can no longer be found is built again), running builds
// are requeued (their attempt was interrupted), and every other build
// gets the state its dependencies give it.
func (r *runner) restore(ctx context.Context) error {
	now := r.now()
	for _, b := range r.builds {
		switch b.rec.State {
		case BuildSucceeded:
			if r.recoverProducts(ctx, b) {
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

// recoverProducts reports whether the packages of a build recorded as
// succeeded are still available: published in the repository (then
// later builds take them from there).
func (r *runner) recoverProducts(ctx context.Context, b *bstate) bool {
	if r.head == nil {
		return false
	}
	for _, f := range b.rec.Outputs {
		if _, ok := r.head.Lookup(f); !ok {
			return false
		}
	}
	return true
}
