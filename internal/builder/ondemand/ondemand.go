// Package ondemand is a builder.Builder decorator for builders that run
// only when needed (HaikuPorter's unimplemented plan and its PR #223,
// "cloud autoscaling"): the machine is switched on by a start action (a
// command or a URL) when a build is given to it while it is down, kiln
// waits (bounded) until the builder answers, and a stop action switches it
// off after it has been idle for a while.
//
// States: stopped (switched off, the start), starting (start action run,
// waiting until the inner builder prepares), then the inner builder's own
// states; lost after MaxStartFailures failed starts in a row. Every state
// is reported through Status and the Notifier like the others; a failed
// start is ErrUnavailable and its reason (the command's exit status and
// output, the HTTP status and body) is in the error and Status.Reason.
//
// Concurrency: as builder.Builder documents. Build and Prepare return
// ErrBusy while another Build or Prepare runs. After a build fails with
// ErrTransient the start action runs again before the next build (the
// machine may have gone away; start is idempotent). Start, stop and the builds
// are serialised on the machine: a Build given while an idle stop runs
// waits for it (honouring ctx) and starts the machine again. The idle stop
// runs on a timer goroutine; Status, Name and Close are safe at any time.
package ondemand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Config configures the decorator.
type Config struct {
	Start Action // required
	Stop  Action // optional: without it the machine is never switched off
	// StartTimeout bounds the start action plus the wait until the inner
	// builder prepares; default 10m.
	StartTimeout time.Duration
	// PollInterval is the pause between attempts to reach the builder
	// while it starts; default 5s.
	PollInterval time.Duration
	// IdleTime is how long the builder stays up without a build before it
	// is stopped; default 15m; negative: never.
	IdleTime time.Duration
	// MaxStartFailures failed starts in a row make the builder lost;
	// default 3.
	MaxStartFailures int
	// KeepRunningOnClose leaves a started machine running when the
	// decorator is closed (by default Close stops it).
	KeepRunningOnClose bool

	HTTPClient *http.Client     // for URL actions; nil: a client with no overall timeout (actions have their own)
	Logger     *slog.Logger     // nil discards
	Notify     builder.Notifier // nil for none
}

func (c *Config) defaults() error {
	if c.Start.empty() {
		return errors.New("ondemand: no start command or URL")
	}
	if err := c.Start.validate("ondemand: start"); err != nil {
		return err
	}
	if err := c.Stop.validate("ondemand: stop"); err != nil {
		return err
	}
	if c.StartTimeout < 0 || c.PollInterval < 0 || c.MaxStartFailures < 0 {
		return errors.New("ondemand: negative start timeout, poll interval or start failure count")
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 10 * time.Minute
	}
	if c.PollInterval == 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.IdleTime == 0 {
		c.IdleTime = 15 * time.Minute
	}
	if c.MaxStartFailures == 0 {
		c.MaxStartFailures = 3
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// phase is the decorator's own view of the machine.
type phase int

const (
	phaseStopped phase = iota
	phaseStarting
	phaseUp // the inner builder's status applies
	phaseLost
)

// Builder is an on-demand builder.
type Builder struct {
	cfg   Config
	inner builder.Builder
	name  string
	log   *slog.Logger

	life    context.Context // cancelled by Close: ends starts and builds
	kill    context.CancelCauseFunc
	busy    sync.Mutex    // held by the running Build or Prepare (TryLock: ErrBusy)
	machine chan struct{} // one token: start, stop and builds take turns

	mu         sync.Mutex
	phase      phase
	st         builder.Status // own status, for every phase but up
	tree       *builder.Tree
	mayRun     bool // a start action ran and no stop succeeded since
	failures   int  // failed starts in a row
	lastUse    time.Time
	idle       *time.Timer
	stopReason string // the last failed stop, shown while up
	stopping   bool
	recheck    bool // a build failed transiently: run start again before the next
	closed     bool
}

// New wraps the builder newInner returns. newInner gets the notifier the
// inner builder must report to: its state changes are passed on while the
// machine is up and ignored while it is stopped or starting (connection
// errors of a switched-off machine are expected). The machine is assumed
// stopped at first.
func New(cfg Config, newInner func(builder.Notifier) (builder.Builder, error)) (*Builder, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	b := &Builder{cfg: cfg, machine: make(chan struct{}, 1)}
	b.life, b.kill = context.WithCancelCause(context.Background())
	inner, err := newInner(b.innerNotify)
	if err != nil {
		return nil, err
	}
	b.inner, b.name = inner, inner.Name()
	b.log = cfg.Logger.With("builder", b.name)
	b.st = builder.Status{State: builder.StateStopped, Since: time.Now(), MaxConnectionErrors: cfg.MaxStartFailures}
	return b, nil
}

// Inner returns the wrapped builder.
func (b *Builder) Inner() builder.Builder { return b.inner }

// Name implements builder.Builder.
func (b *Builder) Name() string { return b.name }

// Status implements builder.Builder: the decorator's state while the
// machine is stopped, starting or lost, else the inner builder's.
func (b *Builder) Status() builder.Status {
	b.mu.Lock()
	ph, st, stopReason := b.phase, b.st, b.stopReason
	b.mu.Unlock()
	if ph != phaseUp {
		return st
	}
	in := b.inner.Status()
	switch {
	case stopReason == "":
	case in.Reason == "":
		in.Reason = stopReason
	default:
		in.Reason = stopReason + "; " + in.Reason
	}
	return in
}

// Capabilities of the inner builder are passed through.

// CachedPackages implements builder.Cacher when the inner builder does.
func (b *Builder) CachedPackages() []string {
	if c, ok := b.inner.(builder.Cacher); ok {
		return c.CachedPackages()
	}
	return nil
}

// FetchesURLs implements builder.URLFetcher.
func (b *Builder) FetchesURLs() bool {
	f, ok := b.inner.(builder.URLFetcher)
	return ok && f.FetchesURLs()
}

// Check implements builder.Checker when the inner builder does: while the
// machine is up it checks the inner builder; a stopped machine is not
// started for a check (ErrUnavailable saying so).
func (b *Builder) Check(ctx context.Context) (builder.CheckReport, error) {
	c, ok := b.inner.(builder.Checker)
	if !ok {
		return builder.CheckReport{}, fmt.Errorf("ondemand: builder %s: the builder cannot be checked", b.name)
	}
	b.mu.Lock()
	ph, reason := b.phase, b.st.Reason
	b.mu.Unlock()
	if ph != phaseUp {
		st := b.Status()
		return builder.CheckReport{Name: b.name}, fmt.Errorf("ondemand: builder %s: %w: %s (not started for a check)%s",
			b.name, builder.ErrUnavailable, st.State, suffix(reason))
	}
	return c.Check(ctx)
}

func suffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

func (b *Builder) innerNotify(name string, st builder.Status) {
	b.mu.Lock()
	up := b.phase == phaseUp && !b.stopping
	b.mu.Unlock()
	if up && b.cfg.Notify != nil {
		b.cfg.Notify(name, st)
	}
}

// setPhase changes the own state and notifies, outside the lock.
func (b *Builder) setPhase(ph phase, state builder.State, reason string) {
	b.mu.Lock()
	b.phase = ph
	b.st.State, b.st.Reason, b.st.Since = state, reason, time.Now()
	b.st.ConnectionErrors = b.failures
	st := b.st
	b.mu.Unlock()
	if ph == phaseUp {
		st = b.Status()
	}
	if b.cfg.Notify != nil {
		b.cfg.Notify(b.name, st)
	}
}

func (b *Builder) unusable() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return fmt.Errorf("ondemand: builder %s: %w: closed", b.name, builder.ErrUnavailable)
	case b.phase == phaseLost:
		return fmt.Errorf("ondemand: builder %s: %w: %s", b.name, builder.ErrUnavailable, b.st.Reason)
	}
	return nil
}

// bound returns ctx, also cancelled when the builder is closed.
func (b *Builder) bound(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	unregister := context.AfterFunc(b.life, func() { cancel(context.Cause(b.life)) })
	return ctx, func() { unregister(); cancel(nil) }
}

// acquire takes the machine token, or returns ctx's cause.
func (b *Builder) acquire(ctx context.Context) error {
	select {
	case b.machine <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ondemand: builder %s: %w", b.name, context.Cause(ctx))
	}
}

func (b *Builder) release() { <-b.machine }
