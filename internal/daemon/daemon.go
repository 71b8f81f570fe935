package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/builder/toggle"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// DefaultPoll is how often the tree's HEAD is read when the config does
// not say ([tree] poll).
const DefaultPoll = 60 * time.Second

// Refresher is told after each run of a target ended (it may have
// published); reposerve's Handler is one.
type Refresher interface {
	Refresh(ctx context.Context, t repo.Target) error
}

// Options configure a Daemon.
type Options struct {
	Config *config.Config
	Store  store.Store
	Logger *slog.Logger
	// Poll overrides the config's [tree] poll.
	Poll time.Duration
	// RepoInfo overrides the repo.info of targets by name ("branch/arch").
	RepoInfo map[string]*pkginfo.RepositoryInfo
	// Refresher, if set, is called after each run ends.
	Refresher Refresher
	// Debounce overrides the config's [tree] debounce.
	Debounce time.Duration
	// Replica names this process in leases and run records (default
	// ReplicaID()).
	Replica string
	// LeaseTTL overrides the config's [build] lease_ttl.
	LeaseTTL time.Duration
	// Metrics, if set, receives the daemon's own metrics
	// (kiln_publish_duration_seconds, published.go).
	Metrics prometheus.Registerer
}

// Daemon drives the targets of a config: per target it resumes an
// unfinished run, then polls the tree's HEAD and starts an update run
// when it moved past the target's processed commit (a target that has
// never built starts with an everything run). One goroutine per target,
// started by Run; a target runs at most one build run at a time.
//
// Several daemons (kiln serve replicas) may share a store: per target,
// only the one holding the target's scheduling lease (lease.go, kept by
// keeper.go) resumes, polls, plans and starts runs; the others serve
// reads and follow the holder's publishes, and take the target over
// when its lease expires or is released (Shutdown).
type Daemon struct {
	opts    Options
	log     *slog.Logger
	targets []*Target
	replica string
	keepers map[string]*keeper

	mu       sync.Mutex
	state    map[string]*TargetState
	runCtx   context.Context // Run's, while it runs
	stopping bool            // Shutdown began: no new run starts

	followers sync.WaitGroup // goroutines following runs Trigger started

	tree     *gitTree                 // the ports tree's working copy (gittree.go)
	kick     chan struct{}            // Wake → watch (wake.go)
	wakes    map[string]chan struct{} // watch → each target's loop
	notify   *notifier                // [[notify]] URLs (notify.go)
	mirrors  *mirrorer                // [[mirror]] stores (mirror.go)
	retainer *retainer                // [retention] (retention.go)
	toggles  *toggle.Switch           // disabled builders (toggles.go)
	toggleMu sync.Mutex               // serialises SetBuilder and reloadToggles
}

// TargetState is what a target's loop is doing, for the API.
type TargetState struct {
	Processed string    `json:"processed,omitempty"` // commit caught up with
	Head      string    `json:"head,omitempty"`      // the tree's HEAD when last polled
	Polled    time.Time `json:"polled,omitzero"`
	Run       string    `json:"run,omitempty"`    // the current run
	Paused    *Pause    `json:"paused,omitempty"` // set while the target is paused
	Error     string    `json:"error,omitempty"`
	// Lease is the target's scheduling lease (who schedules it).
	Lease *LeaseState `json:"lease,omitempty"`
}

// New opens every target of the config. Close it when Run returned.
func New(ctx context.Context, o Options) (*Daemon, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = time.Duration(o.Config.Tree.Poll)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Replica == "" {
		o.Replica = ReplicaID()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = time.Duration(o.Config.Build.LeaseTTL)
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	d := &Daemon{opts: o, log: log, state: map[string]*TargetState{}, replica: o.Replica, keepers: map[string]*keeper{},
		tree: newGitTree(o.Config.Tree, log), kick: make(chan struct{}, 1), wakes: map[string]chan struct{}{}}
	var err error
	if d.notify, err = newNotifier(o.Config); err != nil {
		return nil, err
	}
	durations, err := newPublishDurations(o.Metrics)
	if err != nil {
		return nil, err
	}
	if d.mirrors, err = newMirrorer(ctx, o.Config, o.Store, log, o.Metrics); err != nil {
		return nil, err
	}
	if d.retainer, err = newRetainer(o.Config.Retention, log, o.Metrics); err != nil {
		return nil, err
	}
	if d.toggles, err = loadSwitch(ctx, o.Store); err != nil {
		return nil, err
	}
	for i := range o.Config.Targets {
		tg := &o.Config.Targets[i]
		var opened *Target // for the publish hook, set once opened
		t, err := OpenTarget(ctx, TargetOptions{Config: o.Config, Target: tg, Store: o.Store,
			Logger: log, RepoInfo: o.RepoInfo[tg.Name()], Holder: o.Replica, OnPublish: d.afterPublishHook(observePublish(durations, tg.Name()), &opened), Toggles: d.toggles})
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("target %s: %w", tg.Name(), err)
		}
		opened = t
		t.tree = d.tree
		t.onPublished = func(snapshot string) { d.notifyOutOfRun(t, snapshot) }
		d.targets = append(d.targets, t)
		d.state[t.Name()] = &TargetState{}
		d.wakes[t.Name()] = make(chan struct{}, 1)
		d.keepers[t.Name()] = newKeeper(d, t, o.LeaseTTL)
	}
	return d, nil
}

// SetRefresher sets Options.Refresher (for a refresher made from the
// daemon's targets, like reposerve's Handler). Call it before Run.
func (d *Daemon) SetRefresher(r Refresher) { d.opts.Refresher = r }

// Targets are the daemon's targets, in config order.
func (d *Daemon) Targets() []*Target { return d.targets }

// Target returns the target called "branch/arch", or nil.
func (d *Daemon) Target(name string) *Target {
	for _, t := range d.targets {
		if t.Name() == name {
			return t
		}
	}
	return nil
}

// State returns a copy of what a target's loop is doing.
func (d *Daemon) State(name string) TargetState {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out TargetState
	if s := d.state[name]; s != nil {
		out = *s
	}
	if _, ok := d.keepers[name]; ok {
		l := d.Lease(name)
		out.Lease = &l
	}
	return out
}

// Replica is this daemon's replica id.
func (d *Daemon) Replica() string { return d.replica }

func (d *Daemon) update(name string, f func(*TargetState)) {
	d.mu.Lock()
	f(d.state[name])
	d.mu.Unlock()
}

// Close closes every target's builders.
func (d *Daemon) Close() {
	for _, t := range d.targets {
		t.Close()
	}
}

// Run drives every target until ctx is cancelled, then returns once every
// target's run stopped (cancelling ctx stops runs as a crash would: their
// records stay resumable). It returns nil on cancellation.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	d.runCtx = ctx
	d.mu.Unlock()
	defer d.retainer.runs.Wait() // after the followers: a run's end asks for a pass
	defer d.followers.Wait()
	defer d.notify.wg.Wait()
	defer d.mirrors.runs.Wait()
	for _, t := range d.targets {
		d.mirrors.kick(ctx, t.Name(), t.RepoTarget()) // catch up with what was published while down
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.mirrors.kickEvery(ctx, d.targets) })
	wg.Go(func() { d.retainEvery(ctx) })
	wg.Go(func() { d.watch(ctx) })
	wg.Go(func() { d.watchToggles(ctx) })
	for _, t := range d.targets {
		k := d.keepers[t.Name()]
		wg.Go(func() { k.run(ctx) })
		wg.Go(func() { d.loop(ctx, t, k) })
	}
	wg.Wait()
	return nil
}

// loop is one target's scheduler: it schedules the target while this
// replica holds the target's lease (drive), and waits for the lease
// otherwise.
func (d *Daemon) loop(ctx context.Context, t *Target, k *keeper) {
	for {
		select {
		case <-ctx.Done():
			return
		case h := <-k.acquired:
			d.drive(h.ctx, t, h.from, &k.settled)
		}
	}
}

// drive schedules the target until ctx (the held lease's) ends. It plans
// no new run while the target has an unfinished run it cannot resume yet
// (its heartbeat is fresh: a kiln that stopped moments ago, or another
// live one): it tries the resume again at every poll until the heartbeat
// aged (HeartbeatTTL). A run of from, the replica the lease was taken
// from, is resumed at once: from no longer drives anything.
//
// settled is set once the resume is done (relayed requests wait for it)
// and cleared when drive returns.
func (d *Daemon) drive(ctx context.Context, t *Target, from string, settled *atomic.Bool) {
	defer settled.Store(false)
	log := d.log.With("target", t.Name())
	tick := time.NewTicker(d.opts.Poll)
	defer tick.Stop()
	resumed := false
	for {
		if ctx.Err() != nil || d.isStopping() {
			return
		}
		if !resumed {
			h, run, err := t.resume(ctx, false, from)
			switch {
			case errors.Is(err, buildrun.ErrActive):
				log.Info("waiting to resume a run another kiln drove until recently", "run", run.ID, "holder", run.Holder, "heartbeat", run.Heartbeat)
				d.update(t.Name(), func(s *TargetState) { s.Error = "waiting to resume run " + run.ID + " (held by " + run.Holder + ")" })
			case err != nil:
				d.fail(log, t, "resume", err)
			default:
				resumed = true
				settled.Store(true)
				d.update(t.Name(), func(s *TargetState) { s.Error = "" })
				if h != nil {
					d.follow(ctx, log, t, h)
				} else {
					d.retainTarget(t) // catch up with what aged while no replica held t
				}
			}
		}
		if resumed && d.tree.cloned() {
			if err := d.poll(ctx, log, t); err != nil && ctx.Err() == nil {
				d.fail(log, t, "poll", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.wakeChan(t):
		}
	}
}

func (d *Daemon) fail(log *slog.Logger, t *Target, what string, err error) {
	log.Error(what+" failed", "err", err)
	d.update(t.Name(), func(s *TargetState) { s.Error = what + ": " + err.Error() })
}

// poll starts and follows a run when the tree's HEAD moved past the
// processed commit.
func (d *Daemon) poll(ctx context.Context, log *slog.Logger, t *Target) error {
	pause, err := t.Pause(ctx)
	if err != nil {
		return err
	}
	d.update(t.Name(), func(s *TargetState) {
		s.Paused = nil
		if pause.Paused {
			s.Paused = &pause
		}
	})
	if pause.Paused || t.ActiveRun() != "" || d.isStopping() {
		return nil // paused, a run Trigger started is in progress, or shutting down
	}
	if err := t.BuildersEnabled(); err != nil {
		d.update(t.Name(), func(s *TargetState) { s.Error = err.Error() })
		return nil // planned again once a builder is enabled
	}
	head, err := t.Head(ctx)
	if err != nil {
		return err
	}
	done, err := t.Processed(ctx)
	if err != nil {
		return err
	}
	if done.Commit == "" {
		// An older kiln build run counts as processed.
		if done.Commit, err = t.LastBuiltCommit(ctx); err != nil {
			return err
		}
	}
	d.update(t.Name(), func(s *TargetState) { s.Head, s.Processed, s.Polled, s.Error = head, done.Commit, time.Now(), "" })
	if head == done.Commit {
		return nil
	}
	req := Request{Mode: "update", From: done.Commit, By: "kiln serve"}
	if done.Commit == "" {
		req = Request{Mode: "everything", By: "kiln serve"}
	}
	p, err := t.Plan(ctx, req)
	if err != nil {
		return err
	}
	if len(p.Plan.Order) == 0 {
		log.Info("nothing to build", "commit", head, "mode", req.Mode)
		return d.setProcessed(ctx, t, Processed{Commit: p.Tree.Commit, Time: time.Now().UTC()})
	}
	if d.isStopping() {
		return nil
	}
	h, err := t.Start(ctx, p)
	if errors.Is(err, buildrun.ErrBusy) {
		return nil // the next poll plans again
	}
	if err != nil {
		return err
	}
	log.Info("run started", "run", h.ID(), "mode", req.Mode, "from", req.From, "commit", p.Tree.Commit, "builds", len(p.Plan.Order))
	d.follow(ctx, log, t, h)
	return nil
}

// follow waits for a run to end and records what it processed.
func (d *Daemon) follow(ctx context.Context, log *slog.Logger, t *Target, h *buildrun.Handle) {
	d.update(t.Name(), func(s *TargetState) { s.Run = h.ID() })
	defer d.update(t.Name(), func(s *TargetState) { s.Run = "" })
	<-h.Done()
	run, err := h.Wait(context.WithoutCancel(ctx))
	if d.opts.Refresher != nil {
		if err := d.opts.Refresher.Refresh(context.WithoutCancel(ctx), t.RepoTarget()); err != nil {
			log.Warn("refresh of the served repository failed", "err", err)
		}
	}
	switch {
	case errors.Is(err, buildrun.ErrStopped):
		log.Info("run stopped for the shutdown; the next holder of the target resumes it", "run", h.ID())
		return
	case errors.Is(err, buildrun.ErrTakenOver):
		log.Warn("run taken over by another replica; this one stopped driving it", "run", h.ID())
		return
	}
	if err != nil || run == nil {
		if ctx.Err() == nil {
			d.fail(log, t, "run", fmt.Errorf("run %s: %v", h.ID(), err))
		}
		return
	}
	log.Info("run ended", "run", run.ID, "state", run.State, "reason", run.Reason)
	d.notifyPublished(ctx, t, run.ID, run.Snapshots)
	d.retainTarget(t) // deferred while the run was in progress
	if !run.State.Final() || run.State == buildrun.RunCancelled || run.Trigger.Mode == "ports" {
		return // a ports run does not catch the target up with its tree
	}
	if err := d.setProcessed(context.WithoutCancel(ctx), t, Processed{Commit: run.Tree.Commit, Run: run.ID, Time: time.Now().UTC()}); err != nil {
		d.fail(log, t, "record processed commit", err)
	}
}

func (d *Daemon) setProcessed(ctx context.Context, t *Target, p Processed) error {
	if err := t.SetProcessed(ctx, p); err != nil {
		return err
	}
	d.update(t.Name(), func(s *TargetState) { s.Processed = p.Commit })
	return nil
}
