package buildrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// dispatch gives every free, usable builder a ready build.
func (r *runner) dispatch(ctx context.Context) {
	if r.cancelled != "" || r.stopping != "" || r.fatal != nil || ctx.Err() != nil {
		return
	}
	r.pollBuilders() // Status does no I/O; never hand a build to a builder just lost
	for _, s := range r.slots {
		if s.busy != nil || !s.status.State.Usable() {
			continue
		}
		b := r.pickElsewhere(s)
		if b == nil {
			id, ok := r.sched.Next(cachedBy(s.b))
			if !ok {
				continue // another slot may still take a build that avoids this one
			}
			b = r.byID[id]
		}
		if r.alreadyPublished(b) {
			continue
		}
		r.start(ctx, s, b)
	}
}

// pickElsewhere returns a build waiting for a builder other than s's.
func (r *runner) pickElsewhere(s *slot) *bstate {
	for i, b := range r.elsewhere {
		if b.avoid != s.b.Name() {
			r.elsewhere = slices.Delete(r.elsewhere, i, i+1)
			return b
		}
	}
	return nil
}

// cachedBy returns the affinity test of a builder (nil without a cache).
func cachedBy(b builder.Builder) func(string) bool {
	c, ok := b.(builder.Cacher)
	if !ok {
		return nil
	}
	files := c.CachedPackages()
	if len(files) == 0 {
		return nil
	}
	return func(f string) bool { _, ok := slices.BinarySearch(files, f); return ok }
}

// alreadyPublished skips a build whose outputs are all in the repository
// already (published meanwhile by another run or by hand).
func (r *runner) alreadyPublished(b *bstate) bool {
	if r.head == nil || len(b.products) > 0 {
		return false
	}
	for _, f := range b.rec.Outputs {
		if _, ok := r.head.Lookup(f); !ok {
			return false
		}
	}
	r.setBuild(b, BuildSkipped, "its outputs are already published")
	r.masterf("build %d %s skipped: outputs already published", b.rec.Number, b.task.ID)
	r.succeeded(b)
	return true
}

// start begins an attempt of b on s.
func (r *runner) start(ctx context.Context, s *slot, b *bstate) {
	deps, err := r.dependencies(ctx, s, b)
	if err != nil {
		r.fail(b, BuildFailed, err.Error())
		return
	}
	now := r.now()
	r.mu.Lock()
	s.busy, b.slot = b, s
	b.rec.Builder = s.b.Name()
	if b.rec.Started.IsZero() {
		b.rec.Started = now
	}
	b.rec.Attempts = append(b.rec.Attempts, Attempt{Builder: s.b.Name(), Started: now})
	r.mu.Unlock()
	r.setBuild(b, BuildRunning, "")
	r.masterf("build %d %s started on %s (attempt %d)", b.rec.Number, b.task.ID, s.b.Name(), len(b.rec.Attempts))
	actx, cancel := context.WithCancelCause(ctx)
	b.cancel = cancel
	r.running++
	if s.log == nil {
		l, err := openSegLog(ctx, r.opts.Store, r.l.logPrefix(r.run.ID, BuilderLog(s.b.Name())), r.opts.LogFlush, r.opts.LogSegment, r.lineEvents(BuilderLog(s.b.Name()), 0))
		if err == nil {
			s.log = l
		}
	}
	if s.log != nil {
		s.log.Printf("%s: build %d %s started (attempt %d, %d dependencies)", now.Format(time.RFC3339), b.rec.Number, b.task.ID, len(b.rec.Attempts), len(deps))
	}
	job := attemptJob{b: b, s: s, deps: deps, attempt: len(b.rec.Attempts), number: b.rec.Number, port: b.rec.Port, outputs: slices.Clone(b.rec.Outputs), infos: b.rec.OutputInfos}
	go func() { r.request(r.attempt(actx, job)) }()
}

// onAttempt settles a finished attempt.
func (r *runner) onAttempt(ctx context.Context, m attemptDone) {
	r.running--
	b, s := m.b, m.s
	now := r.now()
	r.mu.Lock()
	s.busy, b.slot, b.cancel = nil, nil, nil
	a := &b.rec.Attempts[len(b.rec.Attempts)-1]
	a.Ended, a.Result = now, m.result
	if m.err != nil {
		a.Error = m.err.Error()
	}
	r.mu.Unlock()
	if m.result != "succeeded" && m.result != "cancelled" {
		s.prepared = false // set the builder up again before its next build
	}
	if s.log != nil {
		if m.err != nil {
			s.log.Printf("%s: build %d %s: %s: %v", now.Format(time.RFC3339), b.rec.Number, b.task.ID, m.result, m.err)
		} else {
			s.log.Printf("%s: build %d %s: %s", now.Format(time.RFC3339), b.rec.Number, b.task.ID, m.result)
		}
	}
	switch m.result {
	case "succeeded":
		b.products = m.products
		r.mu.Lock()
		b.rec.Products = b.rec.Products[:0]
		for _, p := range m.products {
			p.Build = b.rec.Number
			r.products[p.File] = p
			b.rec.Products = append(b.rec.Products, p.Package)
		}
		r.mu.Unlock()
		r.setBuild(b, BuildSucceeded, "")
		r.masterf("build %d %s succeeded on %s (%s)", b.rec.Number, b.task.ID, s.b.Name(), now.Sub(a.Started).Round(time.Millisecond))
		r.succeeded(b)
		r.toPublish = append(r.toPublish, b)
	case "cancelled":
		if b.cancelled != "" {
			r.fail(b, BuildCancelled, b.cancelled)
		} else {
			r.setBuild(b, BuildCancelled, "the run was cancelled: "+r.cancelled)
		}
	case "interrupted":
		// The run is stopping (crash or shutdown); leave the build as is.
	case "transient", "hang", "lost-builder":
		r.retryTransient(b, s, m)
	default: // "failed", "timeout"
		if r.opts.RetryFailureElsewhere && !b.retried && r.otherUsable(s) && r.cancelled == "" {
			b.retried, b.avoid = true, s.b.Name()
			r.setBuild(b, BuildQueued, fmt.Sprintf("failed on %s (%v); retrying once on another builder", s.b.Name(), m.err))
			r.masterf("build %d %s failed on %s; retrying on another builder", b.rec.Number, b.task.ID, s.b.Name())
			r.elsewhere = append(r.elsewhere, b)
			return
		}
		r.fail(b, BuildFailed, m.err.Error())
	}
}

// retryTransient requeues a build after a transient failure, after a
// backoff, unless its retries are used up.
func (r *runner) retryTransient(b *bstate, s *slot, m attemptDone) {
	if m.result != "lost-builder" {
		b.transient++
	}
	// A build whose builder was lost is requeued without using a retry,
	// but no build goes round the builders forever.
	lostTries := len(b.rec.Attempts) - b.transient
	if r.opts.Retries < 0 || b.transient > r.opts.Retries || lostTries > len(r.slots)+r.opts.Retries {
		r.fail(b, BuildFailed, fmt.Sprintf("%s after %d attempts: %v", m.result, len(b.rec.Attempts), m.err))
		return
	}
	if r.cancelled != "" {
		r.setBuild(b, BuildCancelled, "the run was cancelled: "+r.cancelled)
		return
	}
	wait := time.Duration(0)
	if m.result != "lost-builder" {
		wait = r.opts.RetryBackoff << (b.transient - 1)
	}
	r.setBuild(b, BuildQueued, fmt.Sprintf("%s on %s (%v); retry %d in %s", m.result, s.b.Name(), m.err, b.transient, wait))
	r.masterf("build %d %s: %s on %s: %v; requeued (retry in %s)", b.rec.Number, b.task.ID, m.result, s.b.Name(), m.err, wait)
	if wait == 0 {
		r.sched.Requeue(b.task.ID)
		return
	}
	r.timers++
	time.AfterFunc(wait, func() { r.request(retryDue{b}) })
}

func (r *runner) otherUsable(s *slot) bool {
	for _, o := range r.slots {
		if o != s && o.status.State.Usable() {
			return true
		}
	}
	return false
}

// succeeded lets the builds waiting for b proceed.
func (r *runner) succeeded(b *bstate) {
	for _, id := range r.sched.Succeeded(b.task.ID) {
		nb := r.byID[id]
		r.mu.Lock()
		nb.rec.Waiting = nil
		r.mu.Unlock()
		r.setBuild(nb, BuildQueued, "")
	}
	// Builds still blocked wait for fewer ports (status.json shows it;
	// the records are rewritten when their state changes).
	for _, o := range r.builds {
		if o.rec.State == BuildBlocked && slices.Contains(o.rec.Waiting, b.task.ID) {
			r.mu.Lock()
			o.rec.Waiting = slices.DeleteFunc(slices.Clone(o.rec.Waiting), func(s string) bool { return s == b.task.ID })
			r.mu.Unlock()
			r.dirty = true
		}
	}
}

// fail ends b in state st (failed or cancelled) and marks exactly its
// dependents lost.
func (r *runner) fail(b *bstate, st BuildState, reason string) {
	r.setBuild(b, st, reason)
	r.masterf("build %d %s %s: %s", b.rec.Number, b.task.ID, st, reason)
	for _, l := range r.sched.Failed(b.task.ID) {
		lb := r.byID[l.ID]
		r.mu.Lock()
		lb.rec.LostChain = l.Chain
		r.mu.Unlock()
		why := "dependency " + l.Chain[0] + " " + string(st)
		if len(l.Chain) > 2 {
			why += " (via " + strings.Join(l.Chain[1:len(l.Chain)-1], " -> ") + ")"
		}
		r.setBuild(lb, BuildLost, why)
	}
}

// cancelAll cancels the run.
func (r *runner) cancelAll(reason string) {
	if r.cancelled != "" {
		return
	}
	r.cancelled = reasonOr(reason, "no reason given")
	r.masterf("run cancelled: %s", r.cancelled)
	for _, b := range r.builds {
		if b.cancel != nil {
			b.cancel(fmt.Errorf("%w: %s", ErrCancelled, r.cancelled))
		}
	}
	r.elsewhere = nil
}

// cancelOne cancels one build.
func (r *runner) cancelOne(n int64, reason string) error {
	b, ok := r.byNum[n]
	if !ok {
		return fmt.Errorf("%w: build %d is not part of run %s", ErrNotFound, n, r.run.ID)
	}
	if b.rec.State.Final() {
		return fmt.Errorf("%w: build %d is %s", ErrFinished, n, b.rec.State)
	}
	b.cancelled = "cancelled: " + reasonOr(reason, "no reason given")
	if b.cancel != nil {
		b.cancel(fmt.Errorf("%w: %s", ErrCancelled, b.cancelled))
		return nil
	}
	r.elsewhere = slices.DeleteFunc(r.elsewhere, func(o *bstate) bool { return o == b })
	r.fail(b, BuildCancelled, b.cancelled)
	return nil
}
