package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrOtherBranch is returned by Wake for a branch the tree does not
// follow: a push to it changes nothing kiln builds.
var ErrOtherBranch = errors.New("daemon: not the tree's branch")

// Wake says the tree's branch moved (a push webhook, a trigger): after a
// quiet window of [tree] debounce with no other Wake (at most ten windows
// after the first of a burst), the daemon fetches a URL tree once and
// wakes every target's loop, which plans an update run from the
// processed commit as a poll would. A burst of Wakes is one fetch and at
// most one update run per target (one more if a run was already under
// way: it plans when that run ends).
//
// The holders of the targets this replica does not schedule are woken
// through the store (relay.go), at their next lease renewal.
//
// Wake returns at once (after those writes); branch "" means the tree's own branch. A branch
// the tree does not follow returns an error wrapping ErrOtherBranch and
// does nothing. The fetch happens on the goroutine Run starts; a Wake
// before Run is kept for it.
func (d *Daemon) Wake(ctx context.Context, branch string) error {
	if want := d.opts.Config.Tree.BranchName(); branch != "" && want != "" && branch != want {
		return fmt.Errorf("%w: the tree follows %s, not %s", ErrOtherBranch, want, branch)
	}
	select {
	case d.kick <- struct{}{}:
	default: // a Wake is already pending for the window
	}
	// The targets another replica schedules learn it through the store.
	d.relayWake(ctx)
	return nil
}

// TreeBranch is the branch the tree follows ("" for a checkout that
// follows none: any branch wakes it).
func (d *Daemon) TreeBranch() string { return d.opts.Config.Tree.BranchName() }

// TreeReady reports nil once the ports tree is there to plan from (a URL
// tree is cloned), else an error wrapping ErrTreeNotReady.
func (d *Daemon) TreeReady() error { return d.tree.Ready() }

// watch is Run's tree goroutine: it syncs a URL tree at start and at
// every poll, and after each debounced burst of Wakes, waking the targets'
// loops. It returns when ctx is cancelled.
func (d *Daemon) watch(ctx context.Context) {
	window := d.opts.Config.Tree.DebounceWindow()
	if d.opts.Debounce > 0 {
		window = d.opts.Debounce
	}
	tick := time.NewTicker(d.opts.Poll)
	defer tick.Stop()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var first time.Time // the first Wake of the pending burst
	d.syncTree(ctx, false)
	for {
		select {
		case <-ctx.Done():
			quiet.Stop()
			return
		case <-d.kick:
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			wait := window
			if limit := first.Add(10 * window).Sub(now); limit < wait {
				wait = max(limit, 0)
			}
			quiet.Reset(wait)
		case <-quiet.C:
			first = time.Time{}
			d.syncTree(ctx, true)
		case <-tick.C:
			d.syncTree(ctx, false)
		}
	}
}

// syncTree fetches the tree and wakes the targets when it moved, or
// always (a push in a checkout kiln does not fetch).
func (d *Daemon) syncTree(ctx context.Context, always bool) {
	start := time.Now()
	moved, err := d.tree.Sync(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		d.log.Error("tree sync failed", "err", err)
		for _, t := range d.targets {
			d.update(t.Name(), func(s *TargetState) { s.Error = "tree: " + err.Error() })
		}
		return
	}
	if moved {
		d.log.Info("tree moved", "dir", d.opts.Config.Tree.Dir(), "took", time.Since(start).Round(time.Millisecond))
	}
	if moved || always {
		for _, t := range d.targets {
			d.wakeTarget(t)
		}
	}
}

// wakeTarget makes the target's loop poll now (or right after its
// current run); wakes while one is pending are one.
func (d *Daemon) wakeTarget(t *Target) {
	select {
	case d.wakes[t.Name()] <- struct{}{}:
	default:
	}
}

func (d *Daemon) wakeChan(t *Target) <-chan struct{} { return d.wakes[t.Name()] }

// syncForTrigger fetches a URL tree before a requested run plans, so it
// plans against the branch's HEAD now; when that moved the tree, the
// other targets' loops are woken as after a push (not target's: the
// requested run is about to start there).
func (d *Daemon) syncForTrigger(ctx context.Context, target *Target) error {
	if err := d.tree.Ready(); err != nil {
		return err
	}
	moved, err := d.tree.Sync(ctx)
	if err != nil {
		return err
	}
	if moved {
		for _, t := range d.targets {
			if t != target {
				d.wakeTarget(t)
			}
		}
	}
	return nil
}
