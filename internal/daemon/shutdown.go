package daemon

import (
	"context"
	"errors"
)

// Shutdown stops the daemon gracefully (kiln serve on SIGTERM): no new
// run starts; every run this replica drives is stopped with
// buildrun.Handle.Stop (running builds are requeued, not finished: a
// build may take hours, a shutdown has seconds; the records are written
// and the run's heartbeat is released); then every scheduling lease this
// replica holds is released. Another replica, or this one's next start,
// takes the targets over and resumes their runs at once instead of after
// the lease TTL and heartbeat_ttl. It returns when that is done or ctx
// ends; Run still returns only when its context is cancelled.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	var errs []error
	for _, t := range d.targets {
		if h, ok := t.eng.Active(); ok {
			d.log.Info("stopping run for the shutdown", "target", t.Name(), "run", h.ID())
			h.Stop("kiln serve " + d.replica + " is shutting down")
		}
	}
	for _, t := range d.targets {
		if h, ok := t.eng.Active(); ok {
			select {
			case <-h.Done():
			case <-ctx.Done():
				errs = append(errs, ctx.Err())
			}
		}
	}
	for _, t := range d.targets {
		if _, err := d.keepers[t.Name()].releaseLease(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *Daemon) isStopping() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopping
}
