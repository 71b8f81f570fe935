package daemon

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/repo"
)

// publishDurations is kiln_publish_duration_seconds{target,outcome}: the
// time of every publish of a target's repository (a run's, the loading
// dock's) and of every rollback, the lease wait included; outcome as
// repo.PublishStat.Outcome.
func newPublishDurations(reg prometheus.Registerer) (*prometheus.HistogramVec, error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kiln_publish_duration_seconds",
		Help:    "Time of a target's publishes and rollbacks (runs, loading dock, rollback), lease wait included, by target and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"target", "outcome"})
	if reg == nil {
		return h, nil
	}
	if err := reg.Register(h); err != nil {
		return nil, err
	}
	return h, nil
}

// observePublish returns the repo.Options.OnPublish of target name.
func observePublish(h *prometheus.HistogramVec, name string) func(repo.PublishStat) {
	return func(s repo.PublishStat) {
		h.WithLabelValues(name, s.Outcome()).Observe(s.Duration.Seconds())
	}
}

// afterPublish is told about a snapshot the loading dock or a rollback
// made current (runs are followed by Daemon.follow); the Daemon calls
// the notify URLs from it.
func (t *Target) afterPublish(res *repo.Result) {
	if t.onPublished == nil || res == nil || res.Unchanged || res.Snapshot == "" {
		return
	}
	t.onPublished(res.Snapshot)
}

// notifyOutOfRun calls the notify URLs about a snapshot published outside
// a run. The retries live as long as the daemon's Run (or unbounded by a
// context when it does not run: each attempt still has its timeout).
func (d *Daemon) notifyOutOfRun(t *Target, snapshot string) {
	ctx, ok := d.life()
	if !ok {
		ctx = context.Background()
	}
	d.notifyPublished(ctx, t, "", []string{snapshot})
}
