package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/buildrun"
)

// Errors of the control methods (the API answers them with 409 or 404).
var (
	// ErrPaused: the target is paused; resume it before starting runs.
	ErrPaused = errors.New("daemon: target is paused")
	// ErrNotHere: the run is unfinished but this process does not drive
	// it (another replica does, or it waits to be resumed).
	ErrNotHere = errors.New("daemon: run is not driven by this kiln")
	// ErrNotFailed: only a failed, lost or cancelled build can be retried.
	ErrNotFailed = errors.New("daemon: build did not fail")
	// ErrStopped: the daemon is not running (Run returned or never ran),
	// so it cannot drive a new run.
	ErrStopped = errors.New("daemon: not running")
)

// Trigger plans req on the target and starts the run, which the daemon
// follows as it follows its own (the served repository is refreshed
// when it ends; an update or everything run that finished records its
// commit as processed, a ports run does not). It returns at once with
// the run's handle. A tree kiln clones from a URL is fetched first
// (wake.go). A paused target is ErrPaused, a target whose builders are
// all disabled wraps buildrun.ErrNoBuilders, a target with a run in
// progress wraps buildrun.ErrBusy, a plan with nothing to build
// ErrNothingToDo, and a request naming unknown ports or a bad mode an
// *InputError. Only the replica holding the target's scheduling lease
// starts runs: another one relays the request to it through the store
// (relay.go) and returns a *RelayedError (ErrNotHolder if even that
// failed); the holder carries it out at its next lease renewal, with
// the checks above. The run lives until it
// ends, the daemon stops or the lease is lost (not ctx). Safe for
// concurrent use.
func (d *Daemon) Trigger(ctx context.Context, t *Target, req Request) (*buildrun.Handle, error) {
	life, err := d.leaseLife(t)
	if errors.Is(err, ErrNotHolder) {
		id, rerr := d.relay(ctx, t, relayed{Kind: "run", Request: &req})
		if rerr != nil {
			return nil, fmt.Errorf("%w (%v)", err, rerr)
		}
		return nil, &RelayedError{ID: id, Holder: d.Lease(t.Name()).Holder}
	}
	if err != nil {
		return nil, err
	}
	p, err := t.Pause(ctx)
	if err != nil {
		return nil, err
	}
	if p.Paused {
		return nil, fmt.Errorf("%w: %s was paused by %s (%s); resume it first", ErrPaused, t.Name(), p.By, p.Reason)
	}
	if id := t.ActiveRun(); id != "" {
		return nil, fmt.Errorf("%w: run %s is in progress on %s", buildrun.ErrBusy, id, t.Name())
	}
	if err := t.BuildersEnabled(); err != nil {
		return nil, err
	}
	if err := d.syncForTrigger(ctx, t); err != nil {
		return nil, err
	}
	if req.Mode == "update" && req.From == "" {
		done, err := t.Processed(ctx)
		if err != nil {
			return nil, err
		}
		req.From = done.Commit
	}
	planned, err := t.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(planned.Plan.Order) == 0 {
		return nil, fmt.Errorf("%w on %s (%s)", ErrNothingToDo, t.Name(), req.Mode)
	}
	if d.isStopping() {
		return nil, ErrStopped
	}
	h, err := t.Start(life, planned)
	if err != nil {
		return nil, err
	}
	log := d.log.With("target", t.Name())
	log.Info("run started", "run", h.ID(), "mode", planned.Trigger.Mode, "by", req.By, "builds", len(planned.Plan.Order))
	d.followers.Go(func() { d.follow(life, log, t, h) })
	return h, nil
}

// life returns the context of Run while it runs.
func (d *Daemon) life() (context.Context, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runCtx, d.runCtx != nil && d.runCtx.Err() == nil
}

// leaseLife returns the context runs of t live in: the context of t's
// scheduling lease while this replica holds it (ErrNotHolder naming the
// holder if another one does, ErrStopped when Run is not running or
// Shutdown began).
func (d *Daemon) leaseLife(t *Target) (context.Context, error) {
	d.mu.Lock()
	running := d.runCtx != nil && d.runCtx.Err() == nil && !d.stopping
	d.mu.Unlock()
	if !running {
		return nil, ErrStopped
	}
	return d.keepers[t.Name()].heldCtx()
}

// CancelRun cancels the run id if this process drives it. A finished run
// wraps buildrun.ErrFinished, an unknown one buildrun.ErrNotFound. An
// unfinished run driven elsewhere is relayed to the holder of t's lease
// when this replica does not hold it (a *RelayedError; relay.go), else
// it wraps ErrNotHere.
func (d *Daemon) CancelRun(ctx context.Context, t *Target, id, reason string) error {
	h, err := t.handle(ctx, id)
	if errors.Is(err, ErrNotHere) {
		return d.relayCancel(ctx, t, relayed{Kind: "cancel", Run: id, Reason: reason}, err)
	}
	if err != nil {
		return err
	}
	h.Cancel(reason)
	return nil
}

// CancelBuild cancels build n of run id (its dependents are lost), with
// CancelRun's errors and those of buildrun.Handle.CancelBuild.
func (d *Daemon) CancelBuild(ctx context.Context, t *Target, id string, n int64, reason string) error {
	h, err := t.handle(ctx, id)
	if errors.Is(err, ErrNotHere) {
		return d.relayCancel(ctx, t, relayed{Kind: "cancel", Run: id, Build: n, Reason: reason}, err)
	}
	if err != nil {
		return err
	}
	return h.CancelBuild(n, reason)
}

// handle is the handle of the run id this process drives.
func (t *Target) handle(ctx context.Context, id string) (*buildrun.Handle, error) {
	if h, ok := t.eng.Active(); ok && h.ID() == id {
		return h, nil
	}
	run, err := t.eng.Records().Run(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.State.Final() {
		return nil, fmt.Errorf("%w: run %s ended %s", buildrun.ErrFinished, id, run.State)
	}
	return nil, fmt.Errorf("%w: run %s (%s, held by %q)", ErrNotHere, id, run.State, run.Holder)
}

// Retry starts a ports run of the port of build n of run id, which must
// have failed, been lost or been cancelled (ErrNotFailed otherwise), with
// Trigger's errors.
func (d *Daemon) Retry(ctx context.Context, t *Target, id string, n int64, by string) (*buildrun.Handle, error) {
	b, err := t.eng.Records().Build(ctx, id, n)
	if err != nil {
		return nil, err
	}
	switch b.State {
	case buildrun.BuildFailed, buildrun.BuildLost, buildrun.BuildCancelled:
	default:
		return nil, fmt.Errorf("%w: build %s:%d of %s is %s", ErrNotFailed, id, n, b.Port.ID(), b.State)
	}
	return d.Trigger(ctx, t, Request{Mode: "ports", Ports: []string{b.Port.ID()}, By: by})
}
