package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/mirror"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// mirrorer keeps the [[mirror]] stores in step with the daemon's store:
// after each publish of a target (repo.Options.OnPublish), once when Run
// starts and every [[mirror]] interval, a pass of internal/mirror copies
// what the target's mirror lacks.
// Passes run on their own goroutines (a coalescer; Run waits for them),
// never blocking a publish; at most one pass per mirror and target runs at
// a time, and publishes during a pass ask for one more pass after it. A
// failed pass is retried with doubling backoff, as many times as the
// entry's retries; the outcome is logged and counted.
type mirrorer struct {
	log     *slog.Logger
	src     store.Store
	entries []mirrorEntry
	runs    coalescer[[2]string] // by {mirror, target}

	passes *prometheus.CounterVec // kiln_mirror_runstotal{mirror,target,outcome}
	copied *prometheus.CounterVec // kiln_mirror_copied_bytes_total{mirror,target}
	inStep *prometheus.GaugeVec   // kiln_mirror_last_success_timestamp_seconds{mirror,target}
}

type mirrorEntry struct {
	cfg  config.Mirror // resolved
	name string        // the URL without its query, for logs and labels
	dst  store.Store
}

// newMirrorer opens the mirror stores (a missing directory is created)
// and registers the metrics with reg (if set).
func newMirrorer(ctx context.Context, c *config.Config, src store.Store, log *slog.Logger, reg prometheus.Registerer) (*mirrorer, error) {
	m := &mirrorer{log: log, src: src,
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_mirror_runstotal",
			Help: "Mirror passes ([[mirror]]) by mirror, target and outcome (ok, failed after the retries, cancelled)."}, []string{"mirror", "target", "outcome"}),
		copied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_mirror_copied_bytes_total",
			Help: "Bytes the mirror passes copied, by mirror and target."}, []string{"mirror", "target"}),
		inStep: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kiln_mirror_last_success_timestamp_seconds",
			Help: "When a mirror pass last brought the mirror in step with the target's head (Unix time)."}, []string{"mirror", "target"}),
	}
	for i, e := range c.Mirrors {
		r := e.Resolved()
		dst, err := store.Create(ctx, r.URL, store.S3Options{})
		if err != nil {
			return nil, inputErr(fmt.Errorf("mirror[%d].url: %w", i, err))
		}
		if _, ok := dst.(*store.File); !ok {
			dst = store.WithRetry(dst, store.RetryPolicy{Logger: log})
		}
		name, _, _ := strings.Cut(r.URL, "?")
		m.entries = append(m.entries, mirrorEntry{cfg: r, name: name, dst: dst})
	}
	if reg != nil && len(m.entries) > 0 {
		for _, c := range []prometheus.Collector{m.passes, m.copied, m.inStep} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// kick asks for a pass of every mirror of target t (name "branch/arch").
func (m *mirrorer) kick(ctx context.Context, name string, t repo.Target) {
	for _, e := range m.entries {
		m.kickEntry(ctx, e, name, t)
	}
}

// kickEvery runs a pass of each mirror over each of its targets every
// interval of the mirror, until ctx ends.
func (m *mirrorer) kickEvery(ctx context.Context, targets []*Target) {
	var wg sync.WaitGroup
	for _, e := range m.entries {
		wg.Go(func() {
			every(ctx, time.Duration(e.cfg.Interval), func() {
				for _, t := range targets {
					m.kickEntry(ctx, e, t.Name(), t.RepoTarget())
				}
			})
		})
	}
	wg.Wait()
}

// kickEntry asks for a pass of mirror e over target t.
func (m *mirrorer) kickEntry(ctx context.Context, e mirrorEntry, name string, t repo.Target) {
	if !e.cfg.For(name) {
		return
	}
	m.runs.request([2]string{e.name, name}, func() { m.pass(ctx, e, name, t) },
		func() bool { return ctx.Err() != nil })
}

// pass brings e's copy of t in step, with e's retries.
func (m *mirrorer) pass(ctx context.Context, e mirrorEntry, name string, t repo.Target) {
	log := m.log.With("mirror", e.name, "target", name)
	backoff := time.Duration(e.cfg.Backoff)
	for attempt := 0; ; attempt++ {
		start := time.Now()
		res, err := mirror.Mirror(ctx, m.src, e.dst, mirror.Options{Targets: []repo.Target{t}, Logger: log, Delete: e.cfg.Delete})
		if res != nil {
			m.copied.WithLabelValues(e.name, name).Add(float64(res.Copied().Bytes))
		}
		if err == nil {
			tr := res.Targets[0]
			log.Info("mirror in step", "head", tr.Head, "copied", tr.Copied.Objects, "bytes", tr.Copied.Bytes,
				"hashed", tr.Hashed.Objects, "deleted", tr.Deleted.Objects, "duration", time.Since(start).Round(time.Millisecond))
			m.passes.WithLabelValues(e.name, name, "ok").Inc()
			m.inStep.WithLabelValues(e.name, name).SetToCurrentTime()
			return
		}
		if ctx.Err() != nil {
			m.passes.WithLabelValues(e.name, name, "cancelled").Inc()
			return
		}
		if errors.Is(err, repo.ErrNoHead) || errors.Is(err, store.ErrNoStore) {
			log.Debug("nothing to mirror yet: the target has no head")
			return
		}
		if attempt >= *e.cfg.Retries {
			log.Error("mirror failed; the next publish tries again", "attempts", attempt+1, "err", err)
			m.passes.WithLabelValues(e.name, name, "failed").Inc()
			return
		}
		log.Warn("mirror pass failed, retrying", "attempt", attempt+1, "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			m.passes.WithLabelValues(e.name, name, "cancelled").Inc()
			return
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// mirrorTarget asks for a pass of t's mirrors in the daemon's lifetime
// (or unbounded by a context when Run does not run).
func (d *Daemon) mirrorTarget(t *Target) {
	ctx, ok := d.life()
	if !ok {
		ctx = context.Background()
	}
	d.mirrors.kick(ctx, t.Name(), t.RepoTarget())
}

// afterPublishHook returns the repo.Options.OnPublish of target name: the
// metrics' observe, then a mirror pass after a publish that changed
// something, and a retention pass after a publish (deferred to the
// run's end when a run published).
func (d *Daemon) afterPublishHook(observe func(repo.PublishStat), t **Target) func(repo.PublishStat) {
	return func(s repo.PublishStat) {
		observe(s)
		if s.Outcome() == "ok" && *t != nil && len(d.mirrors.entries) > 0 {
			d.mirrorTarget(*t)
		}
		if s.Outcome() == "ok" && s.Op == "publish" && *t != nil {
			d.retainTarget(*t)
		}
	}
}
