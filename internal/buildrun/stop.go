package buildrun

import (
	"fmt"
	"time"
)

// stopFor begins stopping the run for a shutdown (Handle.Stop): attempts
// are cancelled with errStopping (they end "interrupted"), nothing more
// is dispatched or published; once they are back, park writes the
// records.
func (r *runner) stopFor(reason string) {
	if r.stopping != "" || r.cancelled != "" {
		return
	}
	r.stopping = reasonOr(reason, "kiln is shutting down")
	r.masterf("run stopping: %s; running builds are requeued for the next kiln", r.stopping)
	for _, b := range r.builds {
		if b.cancel != nil {
			b.cancel(errStopping)
		}
	}
	r.elsewhere = nil
}

// park ends a stopped run's part in this process: the builds that were
// running are queued again, the run record keeps state running with no
// heartbeat (whoever resumes it need not wait for HeartbeatTTL), every
// record and log is written.
func (r *runner) park() error {
	requeued := 0
	for _, b := range r.builds {
		if b.rec.State == BuildRunning {
			r.setBuild(b, BuildQueued, "requeued: the run was stopped ("+r.stopping+")")
			requeued++
		}
	}
	r.mu.Lock()
	r.run.Reason = "stopped (" + r.stopping + "); the next kiln resumes it"
	r.run.Heartbeat = time.Time{}
	r.mu.Unlock()
	r.masterf("run stopped: %d running builds requeued, %d succeeded builds left to publish by the resume", requeued, len(r.toPublish))
	r.saveRun()
	r.bus.Publish(Event{Kind: EventRun, Run: r.run.ID, State: string(RunRunning), Reason: r.run.Reason})
	r.maybeStatus(true)
	var errs []error
	for _, l := range r.logs() {
		errs = append(errs, l.Close())
	}
	errs = append(errs, r.rec.close())
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: run %s: %s", ErrStopped, r.run.ID, r.stopping)
}
