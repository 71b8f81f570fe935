package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// FollowInterval is how often a replica that does not hold a target's
// lease re-reads the target's head, so its repository server follows the
// holder's publishes.
const FollowInterval = 2 * time.Second

// errShutdown cancels a held lease's context when the daemon shuts down.
var errShutdown = errors.New("daemon: shutting down")

// Lease returns the target's scheduling lease as this replica sees it.
func (d *Daemon) Lease(name string) LeaseState {
	k := d.keepers[name]
	if k == nil {
		return LeaseState{}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// LeaseState is a target's scheduling lease as this replica sees it (the
// API shows it with the target).
type LeaseState struct {
	// Holder is the replica holding the lease ("" when it is free).
	Holder  string    `json:"holder,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Held says whether this replica holds it (schedules the target).
	Held bool `json:"held"`
	// Replica is this replica's id.
	Replica string `json:"replica"`
	// Run is the run the holder drove at its last renewal (shown by a
	// replica that does not hold the lease; the holder's own is Run of
	// the target's state).
	Run string `json:"run,omitempty"`
}

// held is an acquisition of the lease, handed to the target's loop.
type held struct {
	ctx  context.Context // cancelled when the lease is lost or released
	from string          // the holder it was taken from (expired or released)
}

// keeper acquires and renews one target's scheduling lease every TTL/3
// (its own goroutine, so a long run or plan never delays a renewal) and
// hands each acquisition to the target's loop. While it does not hold
// the lease, it refreshes the served repository every FollowInterval.
type keeper struct {
	d     *Daemon
	t     *Target
	log   *slog.Logger
	lease *schedLease
	every time.Duration

	acquired chan held
	release  chan chan error
	relaying atomic.Bool   // takeRelayed runs
	settled  atomic.Bool   // the loop resumed what there was to resume (drive)
	stopped  chan struct{} // closed when run returns

	mu     sync.Mutex
	state  LeaseState
	hctx   context.Context         // the held lease's context
	cancel context.CancelCauseFunc // its cancel (nil: not held)
}

func newKeeper(d *Daemon, t *Target, ttl time.Duration) *keeper {
	return &keeper{d: d, t: t, log: d.log.With("target", t.Name()),
		lease: newSchedLease(t.opts.Store, t.leaseKey(), d.replica, ttl), every: max(ttl/3, 10*time.Millisecond),
		acquired: make(chan held, 1), release: make(chan chan error), stopped: make(chan struct{}),
		state: LeaseState{Replica: d.replica}}
}

// run keeps the lease until ctx ends (the lease is then left to expire,
// as a crash would) or releaseLease asks.
func (k *keeper) run(ctx context.Context) {
	defer close(k.stopped)
	renew := time.NewTicker(k.every)
	defer renew.Stop()
	follow := time.NewTicker(FollowInterval)
	defer follow.Stop()
	for {
		k.step(ctx)
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				k.drop(context.Cause(ctx))
				return
			case ch := <-k.release:
				k.drop(errShutdown)
				err := k.lease.release(context.WithoutCancel(ctx))
				if err == nil {
					k.log.Info("scheduling lease released", "replica", k.d.replica)
				}
				k.update()
				ch <- err
				return
			case <-renew.C:
				waiting = false
			case <-follow.C:
				if !k.isHeld() {
					k.refresh(ctx)
				}
			}
		}
	}
}

// step acquires or renews the lease once.
func (k *keeper) step(ctx context.Context) {
	wasHeld := k.isHeld()
	k.lease.run = k.t.ActiveRun()
	isHeld, take, err := k.lease.hold(ctx)
	switch {
	case errors.Is(err, ErrLeaseLost):
		k.log.Error("scheduling lease lost: this replica stops scheduling the target", "replica", k.d.replica, "err", err)
		k.drop(err)
	case err != nil && ctx.Err() == nil:
		k.log.Warn("scheduling lease not renewed", "replica", k.d.replica, "err", err)
	}
	if isHeld && take.Acquired {
		k.log.Info("scheduling lease acquired", "replica", k.d.replica, "from", take.From, "expires", k.lease.rec.Expires)
		hctx, cancel := context.WithCancelCause(ctx)
		k.mu.Lock()
		k.hctx, k.cancel = hctx, cancel
		k.mu.Unlock()
		select { // a stale acquisition still unread is replaced
		case <-k.acquired:
		default:
		}
		k.acquired <- held{ctx: hctx, from: take.From}
	}
	if wasHeld && !isHeld {
		k.refresh(ctx)
	}
	k.update()
	if hctx, err := k.heldCtx(); err == nil && k.settled.Load() && k.relaying.CompareAndSwap(false, true) {
		// Requests relayed by the other replicas, once the loop resumed
		// the target's unfinished run (a relayed run must not start
		// before it); not in this goroutine: a Trigger plans, which must
		// not delay the next renewal.
		k.d.followers.Go(func() {
			defer k.relaying.Store(false)
			k.d.takeRelayed(hctx, k.t)
		})
	}
}

// drop cancels the held lease's context (runs in it stop as a crash
// would; the CAS of their run records fences them).
func (k *keeper) drop(cause error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cancel != nil {
		k.cancel(cause)
		k.hctx, k.cancel = nil, nil
	}
}

func (k *keeper) isHeld() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cancel != nil
}

// update copies the lease into the state the API shows.
func (k *keeper) update() {
	rec, heldNow := k.lease.rec, k.lease.held
	k.mu.Lock()
	defer k.mu.Unlock()
	k.state = LeaseState{Replica: k.d.replica, Held: heldNow && k.cancel != nil}
	if !rec.free(time.Now()) {
		k.state.Holder, k.state.Expires, k.state.Run = rec.Holder, rec.Expires, rec.Run
	}
}

// refresh has the repository server re-read the target's head.
func (k *keeper) refresh(ctx context.Context) {
	if r := k.d.opts.Refresher; r != nil {
		if err := r.Refresh(ctx, k.t.RepoTarget()); err != nil && ctx.Err() == nil {
			k.log.Debug("refresh of the served repository failed", "err", err)
		}
	}
}

// heldCtx is the context of the held lease, or ErrNotHolder naming the
// holder.
func (k *keeper) heldCtx() (context.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cancel == nil {
		who := k.state.Holder
		if who == "" {
			who = "no replica yet"
		}
		return nil, fmt.Errorf("%w: %s is scheduled by %s", ErrNotHolder, k.t.Name(), who)
	}
	return k.hctx, nil
}

// releaseLease stops the keeper and releases the lease; false if the
// keeper is not running.
func (k *keeper) releaseLease(ctx context.Context) (bool, error) {
	ch := make(chan error, 1)
	select {
	case k.release <- ch:
	case <-k.stopped:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case err := <-ch:
		return true, err
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
