package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/repo"
)

// errRetentionDeferred: the target has a run in progress, or one this
// replica has not resumed yet (retention waits for the run's end), or it
// is paused (retention waits for its resume and the next interval).
var errRetentionDeferred = errors.New("daemon: retention deferred")

// retainer applies the [retention] rules to the targets this replica
// schedules: once it took a target and resumed what there was to resume,
// after each run ended and each publish outside a run (the loading dock),
// and every interval. A pass is exactly `kiln repo prune`
// (repo.Repo.Prune, under the target's publisher lease, waited for as the
// command waits) followed by `kiln runs prune` (buildrun.PruneRuns), in
// the context of the target's scheduling lease, so that only its holder
// prunes and a pass stops when the lease is lost. It never prunes a
// target with a run in progress (the packages the run ingested are not
// listed by any snapshot yet, and the run's publish needs them) nor a
// paused one.
//
// Passes run on their own goroutines (a coalescer; Run waits for them);
// at most one per target runs at a time, and kicks during a pass ask for
// one more after it.
type retainer struct {
	cfg  config.Retention
	log  *slog.Logger
	runs coalescer[string] // by target

	removed *prometheus.CounterVec // kiln_retention_removed_total{target,kind}
	passes  *prometheus.CounterVec // kiln_retention_passes_total{target,outcome}
}

// Kinds of kiln_retention_removed_total.
const (
	removedSnapshot = "snapshot" // snapshots deleted
	removedPackage  = "package"  // package files moved to .obsolete/
	removedObsolete = "obsolete" // files deleted from .obsolete/
	removedStaging  = "staging"  // staging objects and temp files of interrupted writes
	removedRun      = "run"      // run records and logs deleted
)

func newRetainer(c config.Retention, log *slog.Logger, reg prometheus.Registerer) (*retainer, error) {
	r := &retainer{cfg: c, log: log,
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_retention_removed_total",
			Help: "What [retention] removed, by target and kind (snapshot, package moved to .obsolete/, obsolete file deleted, staging object, run)."}, []string{"target", "kind"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_retention_passes_total",
			Help: "[retention] passes by target and outcome (ok, deferred while a run is in progress, failed)."}, []string{"target", "outcome"}),
	}
	if reg != nil && c.Enabled() {
		for _, col := range []prometheus.Collector{r.removed, r.passes} {
			if err := reg.Register(col); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// retainTarget asks for a retention pass of t in the daemon's lifetime
// (nothing when retention is off, Run does not run or another replica
// schedules t).
func (d *Daemon) retainTarget(t *Target) {
	r := d.retainer
	if r == nil || !r.cfg.Enabled() {
		return
	}
	if _, ok := d.life(); !ok {
		return
	}
	if _, err := d.keepers[t.Name()].heldCtx(); err != nil {
		return
	}
	if t.ActiveRun() != "" {
		return // a run's publish (each-build: one per build); its end asks again
	}
	r.runs.request(t.Name(), func() { _, _ = d.retain(t) }, nil)
}

// retainEvery asks for a pass of every target each interval until ctx
// ends.
func (d *Daemon) retainEvery(ctx context.Context) {
	if d.retainer == nil || !d.retainer.cfg.Enabled() {
		return
	}
	every(ctx, d.retainer.cfg.Every(), func() {
		for _, t := range d.targets {
			d.retainTarget(t)
		}
	})
}

// retained is what one pass removed.
type retained struct {
	Prune *repo.PruneResult
	Runs  *buildrun.RetentionResult
}

// retain runs one retention pass over t: ErrNotHolder when another
// replica schedules t, errRetentionDeferred while t has a run in
// progress (or this replica has not resumed t's unfinished run yet) or
// is paused.
func (d *Daemon) retain(t *Target) (retained, error) {
	r := d.retainer
	var out retained
	k := d.keepers[t.Name()]
	ctx, err := k.heldCtx()
	if err != nil {
		return out, err
	}
	log := r.log.With("target", t.Name())
	if !k.settled.Load() || t.ActiveRun() != "" {
		log.Debug("retention deferred until the run in progress ends", "run", t.ActiveRun())
		r.passes.WithLabelValues(t.Name(), "deferred").Inc()
		return out, errRetentionDeferred
	}
	// A paused target is being looked at: the snapshots one may roll
	// back to stay until it is resumed.
	if p, err := t.Pause(ctx); err != nil || p.Paused {
		log.Debug("retention deferred while the target is paused", "err", err)
		r.passes.WithLabelValues(t.Name(), "deferred").Inc()
		return out, errors.Join(errRetentionDeferred, err)
	}
	start := time.Now()
	err = d.retainPass(ctx, t, &out)
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info("retention pass stopped: the scheduling lease ended", "err", err)
	case err != nil:
		log.Error("retention pass failed; the next run or interval tries again", "err", err)
		r.passes.WithLabelValues(t.Name(), "failed").Inc()
	default:
		r.passes.WithLabelValues(t.Name(), "ok").Inc()
	}
	r.count(log, t.Name(), out, time.Since(start))
	if out.Prune != nil && len(out.Prune.DeletedSnapshots) > 0 && len(d.mirrors.entries) > 0 {
		d.mirrorTarget(t) // a mirror with delete = true follows at once
	}
	return out, err
}

// retainPass prunes t's repository (if keep_last or keep_age is set) and
// then its run records (if runs_keep_last or runs_keep_age is), through
// the code of `kiln repo prune` and `kiln runs prune`.
func (d *Daemon) retainPass(ctx context.Context, t *Target, out *retained) error {
	c := d.retainer.cfg
	if c.Snapshots() {
		res, err := t.Repo().Prune(ctx, c.PruneOptions())
		out.Prune = res
		switch {
		case errors.Is(err, repo.ErrNoHead):
			return nil // nothing published yet: no snapshot, and no run to prune either
		case err != nil:
			return fmt.Errorf("repo prune: %w", err)
		}
	}
	if c.Runs() {
		keep, age := c.RunsKeep()
		res, err := buildrun.PruneRuns(ctx, t.Repo().Store(), t.Repo(), buildrun.RetentionOptions{KeepRuns: keep, KeepAge: age})
		out.Runs = res
		if err != nil {
			return fmt.Errorf("runs prune: %w", err)
		}
	}
	return nil
}

// count logs what a pass removed (INFO when it removed anything) and adds
// it to kiln_retention_removed_total.
func (r *retainer) count(log *slog.Logger, name string, out retained, took time.Duration) {
	n := map[string]int{}
	var attrs []any
	if p := out.Prune; p != nil {
		n[removedSnapshot] = len(p.DeletedSnapshots)
		n[removedPackage] = len(p.Obsoleted)
		n[removedObsolete] = len(p.DeletedObsolete)
		n[removedStaging] = len(p.DeletedStaging) + len(p.DeletedTemps)
		attrs = append(attrs, "snapshots", p.DeletedSnapshots, "kept", len(p.KeptSnapshots), "packages", p.Obsoleted, "obsolete_deleted", len(p.DeletedObsolete), "pending", len(p.Pending))
	}
	if rr := out.Runs; rr != nil {
		n[removedRun] = len(rr.Deleted)
		attrs = append(attrs, "runs", rr.Deleted, "runs_kept", len(rr.Kept), "run_objects", rr.Objects)
	}
	total := 0
	for kind, c := range n {
		if c > 0 {
			r.removed.WithLabelValues(name, kind).Add(float64(c))
		}
		total += c
	}
	attrs = append(attrs, "duration", took.Round(time.Millisecond))
	if total > 0 {
		log.Info("retention removed old snapshots, packages and runs", attrs...)
	} else {
		log.Debug("retention: nothing to remove", attrs...)
	}
}
