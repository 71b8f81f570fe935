// Package mock is a simulated builder for the demo and for tests of what
// sits above builders (build runs, scheduling, the daemon). It does what a
// Haiku builder driven by HaikuPorter's protocol does, without a machine:
// Prepare "checks out" the tree, Build stages the dependencies (opening and
// verifying each, or downloading its URL), prints a log that reads like a
// HaikuPorter build log while time passes, and produces real, valid .hpkg
// files (written with internal/hpkg, package info from Job.OutputInfos)
// that it hands to Job.Collect. Durations, failures, transient failures,
// hangs and lost builders are drawn from a seeded Config or fixed per port.
//
// Concurrency: as builder.Builder documents. Build and Prepare return
// builder.ErrBusy while another Build or Prepare runs; Status, Name, Close,
// Set, History, CachedPackages, Lose and Revive are safe at any time.
package mock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Builder is a simulated builder.
type Builder struct {
	cfg Config
	log *slog.Logger

	busy sync.Mutex // held by the running Prepare or Build (TryLock: ErrBusy)
	life context.Context
	kill context.CancelCauseFunc // Close: ends the running Prepare or Build

	mu        sync.Mutex
	st        builder.Status
	tree      *builder.Tree
	closed    bool
	cancelRun context.CancelCauseFunc // cancels the running Build, or nil
	running   *builder.Port
	ports     map[string]Override
	attempts  map[string]int // per port id
	builds    int            // builds started
	cache     []cached       // least recently used first
	history   []Record
}

type cached struct {
	file   string
	size   int64
	sha256 string
}

// Record is one build the mock ran.
type Record struct {
	Number  int64
	Port    builder.Port
	Attempt int // 1 for the port's first build on this builder
	// Staged are the dependencies the build found in its packages
	// directory: file name to SHA-256 (hex), as verified.
	Staged   map[string]string
	Outputs  []string // the packages collected
	Duration time.Duration
	Err      error
	Started  time.Time
}

// New returns a mock builder in state not-available (it "connects" on the
// first Prepare).
func New(cfg Config) (*Builder, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.LogLines == 0 {
		cfg.LogLines = 40
	}
	if cfg.PayloadSize == 0 {
		cfg.PayloadSize = 4 << 10
	}
	if cfg.HistoryLimit == 0 {
		cfg.HistoryLimit = 10000
	}
	if cfg.MaxConnectionErrors == 0 {
		cfg.MaxConnectionErrors = 10
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	b := &Builder{
		cfg:      cfg,
		log:      lg.With("builder", cfg.Name),
		ports:    map[string]Override{},
		attempts: map[string]int{},
		st: builder.Status{
			State: builder.StateNotAvailable, Since: time.Now(),
			MaxConnectionErrors: cfg.MaxConnectionErrors,
		},
	}
	for k, o := range cfg.Ports {
		b.ports[k] = o
	}
	b.life, b.kill = context.WithCancelCause(context.Background())
	return b, nil
}

// Name implements builder.Builder.
func (b *Builder) Name() string { return b.cfg.Name }

// Status implements builder.Builder.
func (b *Builder) Status() builder.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// FetchesURLs implements builder.URLFetcher.
func (b *Builder) FetchesURLs() bool { return b.cfg.FetchURLs }

// Set replaces the override of a port (name or name-version); a zero
// Override removes it.
func (b *Builder) Set(port string, o Override) error {
	if !o.Result.Valid() {
		return fmt.Errorf("mock: builder %s: port %s: unknown result %q", b.cfg.Name, port, o.Result)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if o.Result == "" && o.Duration == nil && o.Missing == nil && o.Produce == nil && o.Lines == nil {
		delete(b.ports, port)
	} else {
		b.ports[port] = o
	}
	return nil
}

// History returns the builds run so far (at most Config.HistoryLimit, the
// latest), oldest first.
func (b *Builder) History() []Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.history)
}

// Running returns the port being built, if any.
func (b *Builder) Running() (builder.Port, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running == nil {
		return builder.Port{}, false
	}
	return *b.running, true
}

// CachedPackages implements builder.Cacher: the staged dependencies and
// the packages built, sorted.
func (b *Builder) CachedPackages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, len(b.cache))
	for i, c := range b.cache {
		names[i] = c.file
	}
	slices.Sort(names)
	return names
}

// Check implements builder.Checker.
func (b *Builder) Check(ctx context.Context) (builder.CheckReport, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return builder.CheckReport{}, fmt.Errorf("mock: builder %s: %w: closed", b.cfg.Name, builder.ErrUnavailable)
	}
	r := builder.CheckReport{
		Name:          b.cfg.Name,
		Uname:         "Haiku " + b.cfg.Name + " 1 hrev58000 Jan  1 2026 00:00:00 x86_64 x86_64 Haiku (simulated by kiln's mock builder)",
		Haikuporter:   "haikuporter 1.2.9 (kiln mock)",
		CachePackages: len(b.cache),
	}
	for _, c := range b.cache {
		r.CacheBytes += c.size
	}
	return r, nil
}

// Lose makes the builder lost with reason (as HaikuPorter after too many
// errors); a running build is interrupted with ErrTransient.
func (b *Builder) Lose(reason string) {
	b.mu.Lock()
	cancel := b.cancelRun
	b.mu.Unlock()
	if cancel != nil {
		cancel(fmt.Errorf("%w: builder %s lost: %s", builder.ErrTransient, b.cfg.Name, reason))
	}
	b.setState(builder.StateLost, reason, -1)
}

// Revive brings a lost builder back: not-available, no connection errors,
// LostAfter counting from zero again.
func (b *Builder) Revive() {
	b.mu.Lock()
	b.builds = 0
	b.mu.Unlock()
	b.setState(builder.StateNotAvailable, "", 0)
}

// Disconnect implements builder.Disconnecter.
func (b *Builder) Disconnect() error {
	b.mu.Lock()
	lost := b.st.State == builder.StateLost
	b.mu.Unlock()
	if !lost {
		b.setState(builder.StateNotAvailable, "disconnected", -1)
	}
	return nil
}

// Close implements builder.Builder: a running build ends with an error.
func (b *Builder) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.kill(fmt.Errorf("mock: builder %s closed", b.cfg.Name))
	return nil
}

// bound returns ctx, also cancelled when the builder is closed.
func (b *Builder) bound(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	unregister := context.AfterFunc(b.life, func() { cancel(context.Cause(b.life)) })
	return ctx, func() { unregister(); cancel(nil) }
}

// setState changes the state and notifies (outside the lock); errs < 0
// keeps the connection error count.
func (b *Builder) setState(s builder.State, reason string, errs int) {
	b.mu.Lock()
	if errs >= 0 {
		b.st.ConnectionErrors = errs
	}
	changed := b.st.State != s || b.st.Reason != reason
	if changed {
		b.st.State, b.st.Reason, b.st.Since = s, reason, time.Now()
	}
	st := b.st
	b.mu.Unlock()
	if changed && b.cfg.Notify != nil {
		b.cfg.Notify(b.cfg.Name, st)
	}
}

// usable returns ErrUnavailable when the builder is closed or lost.
func (b *Builder) usable() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return fmt.Errorf("mock: builder %s: %w: closed", b.cfg.Name, builder.ErrUnavailable)
	case b.st.State == builder.StateLost:
		return fmt.Errorf("mock: builder %s: %w: lost: %s", b.cfg.Name, builder.ErrUnavailable, b.st.Reason)
	}
	return nil
}

// Prepare implements builder.Builder.
func (b *Builder) Prepare(ctx context.Context, tree builder.Tree) error {
	if !b.busy.TryLock() {
		return fmt.Errorf("mock: builder %s: %w", b.cfg.Name, builder.ErrBusy)
	}
	defer b.busy.Unlock()
	ctx, done := b.bound(ctx)
	defer done()
	return b.prepare(ctx, tree)
}

func (b *Builder) prepare(ctx context.Context, tree builder.Tree) error {
	if err := b.usable(); err != nil {
		return err
	}
	if tree.Commit == "" {
		return fmt.Errorf("mock: builder %s: tree without a commit", b.cfg.Name)
	}
	b.log.Info("running command: cd \"/boot/home/haikuports\" && git fetch && git checkout " + tree.Commit)
	if err := sleep(ctx, b.cfg.PrepareDuration); err != nil {
		return fmt.Errorf("mock: builder %s: preparing: %w", b.cfg.Name, err)
	}
	b.log.Info("command exit status: 0")
	b.mu.Lock()
	t := tree
	t.Settings.SecondaryArchs = slices.Clone(tree.Settings.SecondaryArchs)
	b.tree = &t
	b.mu.Unlock()
	b.setState(builder.StateAvailable, "", -1)
	return nil
}

// sleep waits d or until ctx is done (then it returns context.Cause(ctx)).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

var errNotPrepared = errors.New("Build before Prepare")
