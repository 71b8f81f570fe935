package ondemand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Prepare implements builder.Builder. While the machine is stopped it only
// records tree (the machine is started by the next Build, which prepares
// it); while it is up it prepares the inner builder.
func (b *Builder) Prepare(ctx context.Context, tree builder.Tree) error {
	if !b.busy.TryLock() {
		return fmt.Errorf("ondemand: builder %s: %w", b.name, builder.ErrBusy)
	}
	defer b.busy.Unlock()
	if err := b.unusable(); err != nil {
		return err
	}
	ctx, done := b.bound(ctx)
	defer done()
	if err := b.acquire(ctx); err != nil {
		return err
	}
	defer b.release()
	b.mu.Lock()
	t := tree
	b.tree = &t
	up := b.phase == phaseUp
	b.mu.Unlock()
	if !up {
		return context.Cause(ctx)
	}
	return b.inner.Prepare(ctx, tree)
}

// Build implements builder.Builder: it starts the machine first when it is
// down, and arms the idle stop when the build ends.
func (b *Builder) Build(ctx context.Context, job builder.Job) error {
	if !b.busy.TryLock() {
		return fmt.Errorf("ondemand: builder %s: %w", b.name, builder.ErrBusy)
	}
	defer b.busy.Unlock()
	if err := b.unusable(); err != nil {
		return err
	}
	ctx, done := b.bound(ctx)
	defer done()
	if err := b.acquire(ctx); err != nil {
		return err
	}
	defer b.release()
	b.mu.Lock()
	if b.idle != nil {
		b.idle.Stop()
	}
	up := b.phase == phaseUp && !b.recheck
	b.mu.Unlock()
	defer b.armIdle()
	if !up {
		if err := b.start(ctx, job.Log); err != nil {
			return err
		}
	}
	err := b.inner.Build(ctx, job)
	if errors.Is(err, builder.ErrTransient) {
		// The machine may have gone away (a preempted cloud instance):
		// the idempotent start runs again before the next build.
		b.mu.Lock()
		b.recheck = true
		b.mu.Unlock()
	}
	return err
}

// start runs the start action and waits until the inner builder prepares.
// The caller holds the machine token.
func (b *Builder) start(ctx context.Context, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	logf := func(format string, args ...any) error {
		if _, err := fmt.Fprintf(log, format+"\n", args...); err != nil {
			return fmt.Errorf("ondemand: builder %s: writing the build log: %w", b.name, err)
		}
		return nil
	}
	b.mu.Lock()
	tree := b.tree
	b.mu.Unlock()
	if tree == nil {
		return fmt.Errorf("ondemand: builder %s: Build before Prepare", b.name)
	}
	b.setPhase(phaseStarting, builder.StateStarting, "running "+b.cfg.Start.String())
	b.log.Info("starting builder", "action", b.cfg.Start.String())
	if err := logf("starting on-demand builder %s: %s", b.name, b.cfg.Start); err != nil {
		b.setPhase(phaseStopped, builder.StateStopped, "")
		return err
	}
	began := time.Now()
	sctx, cancel := context.WithTimeout(ctx, b.cfg.StartTimeout)
	defer cancel()
	b.mu.Lock()
	b.mayRun = true
	b.mu.Unlock()
	if err := b.cfg.Start.run(sctx, b.cfg.HTTPClient, b.name); err != nil {
		return b.startFailed(ctx, err)
	}
	for {
		err := b.inner.Prepare(sctx, *tree)
		if err == nil {
			break
		}
		if errors.Is(err, builder.ErrBusy) || sctx.Err() != nil {
			return b.startFailed(ctx, fmt.Errorf("not reachable within %v: %w", b.cfg.StartTimeout, err))
		}
		b.log.Debug("builder not reachable yet", "err", err)
		if err := logf("waiting for builder %s to become reachable: %v", b.name, err); err != nil {
			b.setPhase(phaseStopped, builder.StateStopped, "start abandoned: "+err.Error())
			return err // not the machine's failure; the idle stop switches it off
		}
		t := time.NewTimer(b.cfg.PollInterval)
		select {
		case <-t.C:
		case <-sctx.Done():
			t.Stop()
			return b.startFailed(ctx, fmt.Errorf("not reachable within %v: %w", b.cfg.StartTimeout, err))
		}
	}
	b.mu.Lock()
	b.failures, b.recheck = 0, false
	b.mu.Unlock()
	took := time.Since(began).Round(time.Millisecond)
	b.log.Info("builder started", "took", took)
	if err := logf("builder %s started after %v", b.name, took); err != nil {
		b.setPhase(phaseUp, builder.StateAvailable, "")
		return err
	}
	b.setPhase(phaseUp, builder.StateAvailable, "")
	return nil
}

// startFailed records a failed start: stopped with the reason, or lost
// after too many in a row. A start cancelled by ctx is not counted.
func (b *Builder) startFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		b.setPhase(phaseStopped, builder.StateStopped, "start cancelled")
		return fmt.Errorf("ondemand: builder %s: start cancelled: %w", b.name, context.Cause(ctx))
	}
	b.mu.Lock()
	b.failures++
	n := b.failures
	b.mu.Unlock()
	b.log.Warn("starting builder failed", "err", err, "failures", n)
	reason := fmt.Sprintf("start failed (%d of %d): %v", n, b.cfg.MaxStartFailures, err)
	if n >= b.cfg.MaxStartFailures {
		b.setPhase(phaseLost, builder.StateLost, reason)
	} else {
		b.setPhase(phaseStopped, builder.StateStopped, reason)
	}
	return fmt.Errorf("ondemand: builder %s: %w: start failed (%d of %d): %w", b.name, builder.ErrUnavailable, n, b.cfg.MaxStartFailures, err)
}

// armIdle records a use and schedules the idle stop.
func (b *Builder) armIdle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastUse = time.Now()
	b.rearm(b.cfg.IdleTime)
}

// rearm (re)starts the idle timer to fire after d; b.mu is held.
func (b *Builder) rearm(d time.Duration) {
	if b.closed || !b.mayRun || b.cfg.Stop.empty() || b.cfg.IdleTime < 0 {
		return
	}
	if b.idle != nil {
		b.idle.Stop()
	}
	b.idle = time.AfterFunc(d, b.idleStop)
}

// idleStop runs on the timer's goroutine. When a build, start or stop holds
// the machine, or a Build or Prepare waits for it, it looks again an idle
// time later (a build arms the timer anew when it ends anyway).
func (b *Builder) idleStop() {
	select {
	case b.machine <- struct{}{}:
	default:
		b.mu.Lock()
		b.rearm(b.cfg.IdleTime)
		b.mu.Unlock()
		return
	}
	defer b.release()
	b.mu.Lock()
	idleFor := time.Since(b.lastUse)
	if b.closed || !b.mayRun {
		b.mu.Unlock()
		return
	}
	if b.busyNow() { // a Build or Prepare waits for the machine
		b.rearm(b.cfg.IdleTime)
		b.mu.Unlock()
		return
	}
	if idleFor < b.cfg.IdleTime { // raced with a build that just ended
		b.rearm(b.cfg.IdleTime - idleFor)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	b.stop(context.Background(), fmt.Sprintf("idle for %v", b.cfg.IdleTime.Round(time.Millisecond)))
}

// busyNow reports whether a Build or Prepare holds busy; b.mu is held.
func (b *Builder) busyNow() bool {
	if b.busy.TryLock() {
		b.busy.Unlock()
		return false
	}
	return true
}

// stop disconnects the inner builder and runs the stop action; the caller
// holds the machine token. A failed stop leaves the machine counted as
// running (the next idle period tries again).
func (b *Builder) stop(ctx context.Context, why string) {
	b.mu.Lock()
	b.stopping = true // the inner builder's disconnection is not news
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.stopping = false
		b.mu.Unlock()
	}()
	if d, ok := b.inner.(builder.Disconnecter); ok {
		if err := d.Disconnect(); err != nil {
			b.log.Warn("disconnecting before stop", "err", err)
		}
	}
	b.log.Info("stopping builder", "action", b.cfg.Stop.String(), "why", why)
	if err := b.cfg.Stop.run(ctx, b.cfg.HTTPClient, b.name); err != nil {
		b.log.Error("stopping builder failed", "err", err)
		b.mu.Lock()
		b.stopReason = "stop failed: " + err.Error()
		b.rearm(b.cfg.IdleTime)
		b.mu.Unlock()
		return
	}
	b.mu.Lock()
	b.mayRun, b.stopReason = false, ""
	b.mu.Unlock()
	b.setPhase(phaseStopped, builder.StateStopped, "stopped: "+why)
}

// Close implements builder.Builder: it closes the inner builder (a running
// build ends) and, unless KeepRunningOnClose, stops a machine it started
// (bounded by the stop action's timeout).
func (b *Builder) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	if b.idle != nil {
		b.idle.Stop()
	}
	b.mu.Unlock()
	b.kill(fmt.Errorf("ondemand: builder %s: %w: closed", b.name, builder.ErrUnavailable))
	err := b.inner.Close()
	b.machine <- struct{}{} // the running build ends now that inner is closed
	defer b.release()
	b.mu.Lock()
	mayRun := b.mayRun
	b.mu.Unlock()
	if mayRun && !b.cfg.KeepRunningOnClose && !b.cfg.Stop.empty() {
		b.stop(context.Background(), "closed")
	}
	return err
}
