package buildrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/repo"
)

// runner drives one run. Its state is owned by the loop goroutine; other
// goroutines (attempts, the publisher, timers, Handle methods) talk to
// it through reqs. mu guards what status readers look at.
type runner struct {
	e    *Engine
	opts *Options
	l    layout
	log  *slog.Logger
	rec  *recorder
	bus  *Bus

	mu     sync.Mutex
	run    *Run
	builds []*bstate // plan order
	byID   map[string]*bstate
	byNum  map[int64]*bstate
	slots  []*slot

	sched    *Scheduler
	reqs     chan any
	stopped  chan struct{}       // closed when the loop returns
	products map[string]*product // file → produced in this run
	head     *repo.Manifest      // the head when last looked at (nil: none)

	running      int // attempts in flight
	timers       int // retries waiting for their backoff
	elsewhere    []*bstate
	publishing   bool
	toPublish    []*bstate // succeeded, not yet published or held
	parked       []*bstate // not installable yet; retried with the next batch
	publishAfter time.Time
	cancelled    string // why the run was cancelled ("" if not)
	stopping     string // why the run is being stopped for a shutdown ("" if not)
	fatal        error  // stops the run (RunError)
	master       *segLog
	nextStatus   time.Time
	dirty        bool
	lastBeat     time.Time
	abort        context.CancelCauseFunc // cancels the loop's context (halt)
}

// bstate is a build of the run.
type bstate struct {
	rec       Build
	task      Task
	cancel    context.CancelCauseFunc // of the running attempt
	slot      *slot
	transient int
	retried   bool   // the one retry of a real failure was used
	avoid     string // a builder it must not run on (retry elsewhere)
	products  []*product
	cancelled string // an operator cancelled it
	held      bool
	required  []string // status.json's requiredPackages, computed once
}

// slot is a builder of the run.
type slot struct {
	b        builder.Builder
	busy     *bstate
	status   builder.Status
	prepared bool
	log      *segLog
}

// Messages to the loop.
type (
	cancelRun   struct{ reason string }
	stopRun     struct{ reason string }
	cancelBuild struct {
		number int64
		reason string
		err    chan error
	}
	retryDue struct{ b *bstate }
)

// newRunner makes the runner of run; etag is the ETag of the run record
// as Start or Resume wrote it (its later writes are compare-and-swap).
func newRunner(ctx context.Context, e *Engine, run *Run, builds []*Build, resume bool, etag string) (*runner, error) {
	r := &runner{e: e, opts: &e.opts, l: e.l, log: e.log.With("run", run.ID), bus: e.opts.Bus,
		run: run, byID: map[string]*bstate{}, byNum: map[int64]*bstate{}, reqs: make(chan any, 64), stopped: make(chan struct{}),
		products: map[string]*product{}}
	r.rec = newRecorder(e.opts.Store, r.log, 4)
	r.rec.guard(r.l.runRecord(run.ID), etag)
	tasks := make([]Task, len(builds))
	for i, b := range builds {
		bs := &bstate{rec: *b}
		id := b.Port.ID()
		if _, dup := r.byID[id]; dup {
			return nil, fmt.Errorf("%w: port %s is built twice", ErrPlan, id)
		}
		var exp time.Duration
		if e.opts.Expected != nil {
			exp = e.opts.Expected(id)
		}
		bs.task = Task{ID: id, Needs: b.Needs, Expected: exp, Inputs: b.Uses}
		tasks[i] = bs.task
		r.builds = append(r.builds, bs)
		r.byID[id] = bs
		r.byNum[b.Number] = bs
	}
	s, err := NewScheduler(tasks, e.opts.Policy)
	if err != nil {
		return nil, err
	}
	r.sched = s
	for _, b := range e.opts.Builders {
		r.slots = append(r.slots, &slot{b: b, status: b.Status()})
	}
	if err := r.refreshHead(ctx); err != nil {
		return nil, err
	}
	if r.master, err = openSegLog(ctx, e.opts.Store, r.l.logPrefix(run.ID, MasterLog), e.opts.LogFlush, e.opts.LogSegment, r.lineEvents(MasterLog, 0)); err != nil {
		return nil, err
	}
	if resume {
		if err := r.restore(ctx); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *runner) lineEvents(log string, build int64) func(string, int64) {
	return func(line string, offset int64) {
		r.bus.Publish(Event{Kind: EventLog, Run: r.run.ID, Build: build, Log: log, Line: line, Offset: offset})
	}
}

// refreshHead reads the head manifest (packages of the repository).
func (r *runner) refreshHead(ctx context.Context) error {
	_, m, err := r.opts.Repo.Current(ctx)
	if errors.Is(err, repo.ErrNoHead) {
		r.head = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("buildrun: read the repository head: %w", err)
	}
	r.head = m
	return nil
}

// request sends a message to the loop (from any goroutine but the
// loop's); once the loop has stopped, the message is dropped.
func (r *runner) request(m any) {
	select {
	case r.reqs <- m:
	case <-r.stopped:
	}
}

func (r *runner) now() time.Time { return r.opts.Now().UTC() }

// masterf logs a line in the run's master log and to the logger.
func (r *runner) masterf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.master.Printf("%s: %s", r.now().Format("2006-01-02 15:04:05"), msg)
	r.log.Info(msg)
}

// loop runs the run until it is over, cancelled, stopped by an error or
// ctx ends (as a crash: nothing more is written).
func (r *runner) loop(ctx context.Context) error {
	defer close(r.stopped)
	ctx, r.abort = context.WithCancelCause(ctx)
	defer r.abort(nil)
	r.masterf("run %s: %d builds, %d skipped, tree %s", r.run.ID, len(r.builds), len(r.run.Skipped), r.run.Tree.Commit)
	r.setRunState(RunRunning, "")
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r.dispatch(ctx)
		r.maybePublish(ctx, false)
		if r.over() {
			return r.finish(ctx)
		}
		r.maybeStatus(false)
		select {
		case m := <-r.reqs:
			r.handle(ctx, m)
		case <-tick.C:
			r.pollBuilders()
			r.heartbeat()
		case <-r.rec.lost:
			return r.halt(r.rec.lostTo(), false)
		case <-ctx.Done():
			return r.crash(ctx)
		}
	}
}

// over reports whether nothing remains to do but finishing.
func (r *runner) over() bool {
	if r.running > 0 || r.publishing {
		return false
	}
	if r.fatal != nil || r.cancelled != "" || r.stopping != "" {
		return true
	}
	if r.sched.Pending() > 0 {
		if r.timers > 0 || len(r.elsewhere) > 0 || r.sched.Ready() > 0 {
			if !r.anyUsable() && !r.anyDisabled() {
				r.fatal = fmt.Errorf("%w: %d builds remain", ErrNoBuilders, r.sched.Pending())
				return true
			}
			return false // a disabled builder may be enabled again: wait
		}
		// Pending tasks that are neither ready nor running can only wait
		// for running ones; with nothing running that cannot happen.
		r.fatal = fmt.Errorf("buildrun: internal error: %d builds pending with nothing running", r.sched.Pending())
		return true
	}
	return true
}

func (r *runner) anyUsable() bool {
	for _, s := range r.slots {
		if s.status.State.Usable() {
			return true
		}
	}
	return false
}

// anyDisabled reports whether an operator disabled one of the builders
// (builder.StateDisabled): a run whose other builders are all unusable
// waits for it to be enabled instead of ending with ErrNoBuilders.
func (r *runner) anyDisabled() bool {
	for _, s := range r.slots {
		if s.status.State == builder.StateDisabled {
			return true
		}
	}
	return false
}

func (r *runner) handle(ctx context.Context, m any) {
	switch m := m.(type) {
	case attemptDone:
		r.onAttempt(ctx, m)
	case publishDone:
		r.onPublished(m)
	case retryDue:
		r.timers--
		if m.b.rec.State == BuildQueued && r.cancelled == "" {
			r.sched.Requeue(m.b.task.ID)
		}
	case cancelRun:
		r.cancelAll(m.reason)
	case stopRun:
		r.stopFor(m.reason)
	case cancelBuild:
		m.err <- r.cancelOne(m.number, m.reason)
	}
}

// pollBuilders notices builder state changes.
func (r *runner) pollBuilders() {
	for _, s := range r.slots {
		st := s.b.Status()
		if st.State != s.status.State || st.Reason != s.status.Reason {
			r.masterf("builder %s: %s%s", s.b.Name(), st.State, suffix(st.Reason))
			r.bus.Publish(Event{Kind: EventBuilder, Run: r.run.ID, Builder: s.b.Name(), State: string(st.State), Reason: st.Reason})
			r.dirty = true
		}
		r.mu.Lock()
		s.status = st
		r.mu.Unlock()
	}
}

func suffix(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// heartbeat renews the run record's heartbeat every third of its TTL.
func (r *runner) heartbeat() {
	now := r.now()
	if now.Sub(r.lastBeat) < r.opts.HeartbeatTTL/3 {
		return
	}
	r.lastBeat = now
	r.mu.Lock()
	r.run.Heartbeat = now
	r.mu.Unlock()
	r.saveRun()
}

func (r *runner) saveRun() {
	r.mu.Lock()
	run := cloneRun(r.run)
	r.mu.Unlock()
	r.rec.put(r.l.runRecord(run.ID), run)
	r.dirty = true
}

func (r *runner) saveBuild(b *bstate) {
	r.mu.Lock()
	rec := cloneBuild(&b.rec)
	r.mu.Unlock()
	r.rec.put(r.l.build(r.run.ID, rec.Number), rec)
	r.dirty = true
}

func (r *runner) setRunState(st RunState, reason string) {
	r.mu.Lock()
	r.run.State, r.run.Reason = st, reason
	if st.Final() || st == RunError {
		r.run.Ended = r.now()
		// The run is no longer driven: another process may resume a
		// stopped run at once, without waiting for the heartbeat to age.
		r.run.Heartbeat = time.Time{}
	}
	r.mu.Unlock()
	r.saveRun()
	r.bus.Publish(Event{Kind: EventRun, Run: r.run.ID, State: string(st), Reason: reason})
}

// setBuild changes a build's state and records it.
func (r *runner) setBuild(b *bstate, st BuildState, reason string) {
	r.mu.Lock()
	b.rec.State, b.rec.Reason = st, reason
	if st.Final() {
		b.rec.Ended = r.now()
		b.rec.Waiting = nil
	}
	r.mu.Unlock()
	r.saveBuild(b)
	r.bus.Publish(Event{Kind: EventBuild, Run: r.run.ID, Build: b.rec.Number, Port: b.task.ID, State: string(st), Reason: reason, Builder: b.rec.Builder})
}

// finish publishes what remains, writes the report and status and ends
// the run.
func (r *runner) finish(ctx context.Context) error {
	if r.stopping != "" {
		return r.park()
	}
	if r.fatal == nil {
		r.maybePublish(ctx, true)
		for r.publishing {
			select {
			case m := <-r.reqs:
				r.handle(ctx, m)
			case <-r.rec.lost:
				return r.halt(r.rec.lostTo(), false)
			case <-ctx.Done():
				return r.crash(ctx)
			}
		}
	}
	st, reason := RunComplete, ""
	switch {
	case r.fatal != nil:
		st, reason = RunError, r.fatal.Error()
	case r.cancelled != "":
		st, reason = RunCancelled, "cancelled: "+r.cancelled
	default:
		for _, b := range r.builds {
			if b.rec.State != BuildSucceeded && b.rec.State != BuildSkipped {
				st, reason = RunFailed, "some builds did not succeed"
				break
			}
		}
		if st == RunComplete && len(r.run.Held) > 0 {
			st, reason = RunFailed, fmt.Sprintf("%d packages held back", len(r.run.Held))
		}
	}
	if st == RunError {
		// Builds that did not finish stay as they are: Resume continues.
		r.masterf("run stopped: %s", reason)
	} else {
		for _, b := range r.builds {
			if !b.rec.State.Final() {
				r.setBuild(b, BuildCancelled, "the run was "+string(st))
			}
		}
		r.masterf("run %s: %s", st, reasonOr(reason, "every build succeeded"))
	}
	r.setRunState(st, reason)
	r.writeReport()
	r.maybeStatus(true)
	for _, s := range r.slots {
		if s.log != nil {
			_ = s.log.Close()
		}
	}
	errs := []error{r.master.Close(), r.rec.close()}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if r.fatal != nil {
		return r.fatal
	}
	return nil
}

func reasonOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// crash stops everything without writing more records, as if the
// process had died: attempts are cancelled and waited for.
func (r *runner) crash(ctx context.Context) error { return r.halt(context.Cause(ctx), true) }

// halt stops everything without writing more records: attempts are
// cancelled with cause and waited for, what is queued is dropped; the
// logs keep what they buffered when flushLogs is set (a crash of this
// process), else not even that (the run was taken over: its new driver
// writes its logs).
func (r *runner) halt(cause error, flushLogs bool) error {
	r.abort(cause) // a publish in progress stops too
	for _, b := range r.builds {
		if b.cancel != nil {
			b.cancel(cause)
		}
	}
	for r.running > 0 || r.publishing {
		m := <-r.reqs
		switch m := m.(type) {
		case attemptDone:
			r.running--
		case publishDone:
			r.publishing = false
		case cancelBuild:
			m.err <- fmt.Errorf("%w: the run stopped", ErrFinished)
		}
	}
	r.rec.abandon()
	for _, l := range r.logs() {
		if flushLogs {
			_ = l.Close()
		} else {
			l.abandon()
		}
	}
	return cause
}

// logs are the run's open logs: the builders' and the master log.
func (r *runner) logs() []*segLog {
	var out []*segLog
	for _, s := range r.slots {
		if s.log != nil {
			out = append(out, s.log)
		}
	}
	return append(out, r.master)
}

func cloneRun(r *Run) *Run {
	c := *r
	c.Builds = slices.Clone(r.Builds)
	c.Skipped = slices.Clone(r.Skipped)
	c.Snapshots = slices.Clone(r.Snapshots)
	c.Held = slices.Clone(r.Held)
	return &c
}

func cloneBuild(b *Build) *Build {
	c := *b
	c.Attempts = slices.Clone(b.Attempts)
	c.Products = slices.Clone(b.Products)
	c.Waiting = slices.Clone(b.Waiting)
	return &c
}

func (r *runner) snapshotRun() Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *cloneRun(r.run)
}

func (r *runner) snapshotBuilds() []Build {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Build, len(r.builds))
	for i, b := range r.builds {
		out[i] = *cloneBuild(&b.rec)
	}
	return out
}
