package mock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// outcome is what one build will do, decided before it starts.
type outcome struct {
	result   Result
	duration time.Duration
	cut      float64 // fraction of the log after which a non-success happens
	missing  []string
	produce  []string // nil: all
	lines    []string
}

// decide draws the build's outcome: an override first, then losing the
// builder (LostAfter, LostRate), a transient failure or a hang (per
// attempt), a real failure (per port), else success.
func (b *Builder) decide(p builder.Port, ov Override, build, attempt int) outcome {
	c := &b.cfg
	id := p.ID()
	o := outcome{
		result:   ov.Result,
		duration: c.Durations.Draw(rng(c.Seed, "duration", id)),
		missing:  ov.Missing,
		produce:  ov.Produce,
		lines:    ov.Lines,
	}
	if ov.Duration != nil {
		o.duration = *ov.Duration
	}
	r := rng(c.Seed, "attempt", c.Name, id, fmt.Sprint(attempt))
	u := r.Float64()
	o.cut = 0.2 + 0.7*r.Float64()
	if o.result != ResultDrawn {
		return o
	}
	switch {
	case c.LostAfter > 0 && build > c.LostAfter, u < c.LostRate:
		o.result = ResultLost
	case u < c.LostRate+c.TransientRate:
		o.result = ResultTransient
	case u < c.LostRate+c.TransientRate+c.HangRate:
		o.result = ResultHang
	case rng(c.Seed, "fail", id).Float64() < c.FailRate:
		o.result = ResultFail
	default:
		o.result = ResultSucceed
	}
	return o
}

func (b *Builder) override(p builder.Port) Override {
	if o, ok := b.ports[p.ID()]; ok {
		return o
	}
	return b.ports[p.Name]
}

// logWriter remembers the first write error; later writes do nothing.
type logWriter struct {
	w   io.Writer
	err error
}

func (l *logWriter) line(s string) error {
	if l.err == nil && l.w != nil {
		if _, err := io.WriteString(l.w, s+"\n"); err != nil {
			l.err = fmt.Errorf("writing the build log: %w", err)
		}
	}
	return l.err
}

// Build implements builder.Builder.
func (b *Builder) Build(ctx context.Context, job builder.Job) error {
	if !b.busy.TryLock() {
		return fmt.Errorf("mock: builder %s: %w", b.cfg.Name, builder.ErrBusy)
	}
	defer b.busy.Unlock()
	if err := b.usable(); err != nil {
		return err
	}
	ctx, done := b.bound(ctx)
	defer done()
	b.mu.Lock()
	tree, state := b.tree, b.st.State
	b.mu.Unlock()
	if tree == nil {
		return fmt.Errorf("mock: builder %s: %w", b.cfg.Name, errNotPrepared)
	}
	if state != builder.StateAvailable {
		if err := b.prepare(ctx, *tree); err != nil { // reconnect, set up again
			return err
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.mu.Lock()
	if b.closed || b.st.State == builder.StateLost { // closed or lost meanwhile
		b.mu.Unlock()
		return b.usable()
	}
	b.cancelRun = cancel
	b.running = &job.Port
	b.builds++
	b.attempts[job.Port.ID()]++
	rec := Record{Number: job.Number, Port: job.Port, Attempt: b.attempts[job.Port.ID()], Started: time.Now()}
	o := b.decide(job.Port, b.override(job.Port), b.builds, rec.Attempt)
	b.mu.Unlock()

	err := b.run(ctx, job, *tree, o, &rec)
	rec.Duration = time.Since(rec.Started)
	rec.Err = err
	b.mu.Lock()
	b.cancelRun, b.running = nil, nil
	b.history = append(b.history, rec)
	if n := len(b.history) - b.cfg.HistoryLimit; n > 0 {
		b.history = slices.Delete(b.history, 0, n)
	}
	b.mu.Unlock()
	return err
}

// run is one build after the bookkeeping.
func (b *Builder) run(ctx context.Context, job builder.Job, tree builder.Tree, o outcome, rec *Record) error {
	name := b.cfg.Name
	lw := &logWriter{w: job.Log}
	fail := func(err error) error {
		if lw.err != nil {
			return fmt.Errorf("mock: builder %s: build %s: %w", name, job.Port.ID(), lw.err)
		}
		return err
	}
	cancelled := func() error {
		return fmt.Errorf("mock: builder %s: build %s stopped: %w", name, job.Port.ID(), context.Cause(ctx))
	}

	lw.line("purging port with command: " + purgeCommand(job.Port))
	if lw.err != nil {
		return fail(nil)
	}
	staged, err := b.stage(ctx, job.Dependencies)
	if err != nil {
		if ctx.Err() != nil {
			return cancelled()
		}
		lw.line("build failed: " + err.Error())
		if errors.Is(err, builder.ErrTransient) {
			b.transient()
		} else {
			b.ok()
		}
		return fail(err)
	}
	rec.Staged = staged

	lw.line("building port " + job.Port.ID())
	lw.line("running command: " + buildCommand(job.Port))
	out := haikuporterOutput(b.cfg.Seed, job, b.cfg.LogLines)
	last := len(out)
	if o.result != ResultSucceed {
		last = int(o.cut * float64(len(out)))
	}
	step := o.duration / time.Duration(len(out)+1)
	for i, l := range out[:last] {
		if err := lw.line(l); err != nil {
			return fail(nil)
		}
		if err := sleep(ctx, step); err != nil {
			return cancelled()
		}
		if i == last-1 {
			for _, l := range o.lines {
				lw.line(l)
			}
		}
	}
	if last == 0 {
		for _, l := range o.lines {
			lw.line(l)
		}
	}
	if lw.err != nil {
		return fail(nil)
	}

	switch o.result {
	case ResultHang:
		<-ctx.Done()
		return cancelled()
	case ResultFail:
		lw.line("Error: Build has failed - stopping.")
		lw.line("command exit status: 1")
		lw.line("build failed: haikuporter exited with status 1")
		b.ok()
		return fail(fmt.Errorf("mock: builder %s: %w: %s: haikuporter exited with status 1", name, builder.ErrBuildFailed, job.Port.ID()))
	case ResultTransient, ResultLost:
		reason := "connection lost (simulated)"
		lw.line("build failed: " + reason)
		if o.result == ResultLost {
			b.setState(builder.StateLost, "lost during build "+job.Port.ID()+" (simulated)", -1)
		} else {
			b.transient()
		}
		return fail(fmt.Errorf("mock: builder %s: %w: %s: %s", name, builder.ErrTransient, job.Port.ID(), reason))
	}
	if err := sleep(ctx, step); err != nil {
		return cancelled()
	}
	lw.line("command exit status: 0")
	if lw.err != nil {
		return fail(nil)
	}
	for _, file := range job.Outputs {
		if err := lw.line("download package " + file + " from builder"); err != nil {
			return fail(nil)
		}
		if slices.Contains(o.missing, file) || (o.produce != nil && !slices.Contains(o.produce, file)) {
			err := fmt.Errorf("mock: builder %s: %w: %s: package %s was not produced", name, builder.ErrBuildFailed, job.Port.ID(), file)
			lw.line("build failed: package " + file + " was not produced")
			b.ok()
			return fail(err)
		}
		if err := b.collect(ctx, job, tree, file); err != nil {
			if ctx.Err() != nil {
				return cancelled()
			}
			if errors.Is(err, builder.ErrBuildFailed) {
				b.ok()
			}
			lw.line("build failed: " + err.Error())
			return fail(fmt.Errorf("mock: builder %s: %s: %w", name, job.Port.ID(), err))
		}
		rec.Outputs = append(rec.Outputs, file)
	}
	lw.line("purging port with command: " + purgeCommand(job.Port))
	lw.line("build completed successfully")
	b.ok()
	return fail(nil)
}

// collect writes one output package and hands it to job.Collect.
func (b *Builder) collect(ctx context.Context, job builder.Job, tree builder.Tree, file string) error {
	info, err := b.outputInfo(job, tree, file)
	if err != nil {
		return err
	}
	r, size, release, err := b.writePackage(job, info, tree)
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	defer release()
	if job.Collect == nil {
		return errors.New("job has no Collect")
	}
	h := sha256.New()
	if err := job.Collect(ctx, file, io.TeeReader(r, h), size); err != nil {
		return fmt.Errorf("collecting %s: %w", file, err)
	}
	b.addCache(file, size, hex.EncodeToString(h.Sum(nil)))
	return nil
}

// ok records a build that ended on its merits: no connection errors.
func (b *Builder) ok() {
	b.mu.Lock()
	st := b.st.State
	b.mu.Unlock()
	b.setState(st, "", 0)
}

// transient counts a connection error: the builder is set up again before
// the next build, and lost after MaxConnectionErrors in a row.
func (b *Builder) transient() {
	b.mu.Lock()
	n := b.st.ConnectionErrors + 1
	b.mu.Unlock()
	if n >= b.cfg.MaxConnectionErrors {
		b.setState(builder.StateLost, fmt.Sprintf("%d consecutive transient failures", n), n)
		return
	}
	b.setState(builder.StateNotAvailable, "connection lost during a build", n)
}
