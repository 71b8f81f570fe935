// Package ssh drives an unmodified Haiku builder over SSH exactly as
// HaikuPorter's buildmaster (RemoteBuilderSSH) does: it reads HaikuPorter's
// builder JSON files and one strict known_hosts, keeps the builder's ports
// tree at the master's commit, writes its builder.conf, stages dependency
// packages in packages/.cache (uploads renamed into place, symlinks into
// packages/), runs haikuporter's purge and build command lines in a
// pseudo-terminal, streams the log and hands the produced packages back as
// streams. States and failure rules are HaikuPorter's (BUILDMASTER.md
// §1.5, §2); see docs/builders.md.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Options configure a Builder. Zero values take HaikuPorter's numbers.
type Options struct {
	// KnownHosts checks the builder's and the jump host's keys (required).
	KnownHosts *KnownHosts
	// Known reports whether the master knows a package file (it is in the
	// repository or a system package). Cache entries it does not know are
	// deleted from the builder on every (re)connect, which keeps the cache
	// bounded as HaikuPorter does. nil keeps every entry.
	Known func(file string) bool
	// Logger receives the builder log (HaikuPorter's builders/<name>.log):
	// connects, setup commands, uploads. nil discards it.
	Logger *slog.Logger
	// Notify is called on every state change (from the goroutine that
	// caused it, never under a lock).
	Notify builder.Notifier
	// ConnectTimeout bounds the TCP connect and each SSH handshake
	// (default 10 s).
	ConnectTimeout time.Duration
	// Keepalive is the interval of keepalive requests (default 15 s).
	Keepalive time.Duration
	// Backoff is how long to wait after the n-th consecutive connection
	// error (default 5+1.2n s).
	Backoff func(n int) time.Duration
	// MaxConnectionErrors in a row make the builder lost (default 100).
	MaxConnectionErrors int
	// MaxTransientFailures in a row make the builder lost (default 10).
	MaxTransientFailures int
}

// DefaultBackoff is HaikuPorter's delay after the n-th connection error.
func DefaultBackoff(n int) time.Duration {
	return 5*time.Second + time.Duration(float64(n)*1.2*float64(time.Second))
}

// Builder is one Haiku builder reached over SSH. It implements
// builder.Builder, builder.Cacher, builder.URLFetcher and builder.Checker.
// Prepare, Build and Check are serialised by the builder itself (a second
// concurrent call gets builder.ErrBusy); Status, Name, CachedPackages and
// Close may be called at any time.
type Builder struct {
	cfg  *Config
	opts Options
	log  *slog.Logger
	busy atomic.Bool
	quit chan struct{} // closed by Close

	mu        sync.Mutex // guards the fields below
	status    builder.Status
	transient int
	conn      *conn
	ready     bool          // conn is set up for tree
	tree      *builder.Tree // the tree of the last Prepare
	cache     map[string]bool
	closed    bool
}

var (
	_ builder.Builder      = (*Builder)(nil)
	_ builder.Cacher       = (*Builder)(nil)
	_ builder.URLFetcher   = (*Builder)(nil)
	_ builder.Checker      = (*Builder)(nil)
	_ builder.Disconnecter = (*Builder)(nil)
)

// New returns a Builder for cfg. It does not connect: the state is
// not-available until the first Prepare, Build or Check.
func New(cfg *Config, opts Options) (*Builder, error) {
	if opts.KnownHosts == nil {
		return nil, fmt.Errorf("ssh builder %s: no known_hosts", cfg.Name)
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.Keepalive <= 0 {
		opts.Keepalive = 15 * time.Second
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxConnectionErrors <= 0 {
		opts.MaxConnectionErrors = 100
	}
	if opts.MaxTransientFailures <= 0 {
		opts.MaxTransientFailures = 10
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Builder{cfg: cfg, opts: opts, log: log.With("builder", cfg.Name), cache: map[string]bool{}, quit: make(chan struct{})}
	b.status = builder.Status{State: builder.StateNotAvailable, Since: time.Now(), MaxConnectionErrors: opts.MaxConnectionErrors}
	return b, nil
}

// Name implements builder.Builder.
func (b *Builder) Name() string { return b.cfg.Name }

// Config returns the builder's configuration.
func (b *Builder) Config() *Config { return b.cfg }

// FetchesURLs implements builder.URLFetcher ("kiln":{"fetchURLs":true}).
func (b *Builder) FetchesURLs() bool { return b.cfg.FetchURLs }

// CachedPackages implements builder.Cacher: the packages in the builder's
// packages/.cache as of the last setup or build, sorted.
func (b *Builder) CachedPackages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.cache))
	for f := range b.cache {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Close implements builder.Builder. A build still running is cut off.
func (b *Builder) Close() error {
	b.mu.Lock()
	if !b.closed {
		close(b.quit)
	}
	b.closed = true
	c := b.conn
	b.conn = nil
	b.ready = false
	b.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}

// Disconnect implements builder.Disconnecter: it drops the connection
// without counting an error; the next Prepare, Build or Check connects and
// sets the builder up again. A lost builder stays lost.
func (b *Builder) Disconnect() error {
	b.dropConn()
	if lost, _ := b.lost(); !lost {
		b.setState(builder.StateNotAvailable, "disconnected")
	}
	return nil
}

// Prepare implements builder.Builder: it connects if needed and sets the
// builder up for tree (§2.3). Setup runs again when the tree changes or
// after a reconnect.
func (b *Builder) Prepare(ctx context.Context, tree builder.Tree) error {
	if !b.busy.CompareAndSwap(false, true) {
		return fmt.Errorf("ssh builder %s: %w", b.cfg.Name, builder.ErrBusy)
	}
	defer b.busy.Store(false)
	b.mu.Lock()
	if b.tree == nil || !sameTree(*b.tree, tree) {
		t := tree
		t.Settings.SecondaryArchs = append([]string(nil), tree.Settings.SecondaryArchs...)
		b.tree = &t
		b.ready = false
	}
	b.mu.Unlock()
	_, err := b.ensure(ctx)
	return err
}

// ensure returns a connection set up for the current tree, connecting and
// running the setup if needed. Errors wrap builder.ErrUnavailable (lost,
// closed, refused) or builder.ErrTransient, or context.Cause(ctx); the
// failure has been counted (connection errors, transient failures).
func (b *Builder) ensure(ctx context.Context) (*conn, error) {
	c, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	ready, tree := b.ready && b.conn == c, b.tree
	b.mu.Unlock()
	if ready {
		return c, nil
	}
	if tree == nil {
		return nil, fmt.Errorf("ssh builder %s: %w: Build before Prepare", b.cfg.Name, builder.ErrUnavailable)
	}
	if err := b.setup(ctx, c, *tree); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh builder %s: setup: %w", b.cfg.Name, context.Cause(ctx))
		}
		b.log.Error("setup failed", "err", err)
		if b.transientFailed("setup: " + err.Error()) {
			return nil, fmt.Errorf("ssh builder %s: %w: setup: %w", b.cfg.Name, builder.ErrUnavailable, err)
		}
		return nil, fmt.Errorf("ssh builder %s: %w: setup: %w", b.cfg.Name, builder.ErrTransient, err)
	}
	b.mu.Lock()
	if b.conn == c {
		b.ready = true
	}
	b.mu.Unlock()
	b.setState(builder.StateAvailable, "")
	return c, nil
}

// connect returns the live connection or dials a new one, applying
// HaikuPorter's connection error rules.
func (b *Builder) connect(ctx context.Context) (*conn, error) {
	if lost, reason := b.lost(); lost {
		if reason == "" {
			reason = "closed"
		}
		return nil, fmt.Errorf("ssh builder %s: %w: %s", b.cfg.Name, builder.ErrUnavailable, reason)
	}
	b.mu.Lock()
	c := b.conn
	b.mu.Unlock()
	if c != nil && c.alive() {
		return c, nil
	}
	if c != nil {
		b.dropConn()
	}
	b.log.Info("trying to connect to builder", "host", b.cfg.Host.Addr())
	c, err := dial(ctx, b.cfg, b.opts.KnownHosts, b.opts.ConnectTimeout, b.opts.Keepalive)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh builder %s: connect: %w", b.cfg.Name, context.Cause(ctx))
		}
		b.log.Error("failed to connect to builder", "err", err)
		fatal := errors.Is(err, ErrHostKey) || errors.Is(err, ErrAuth)
		if b.connectFailed(err.Error(), fatal) {
			return nil, fmt.Errorf("ssh builder %s: %w: %w", b.cfg.Name, builder.ErrUnavailable, err)
		}
		// Avoid hammering the host: wait before the next attempt is made.
		t := time.NewTimer(b.opts.Backoff(b.Status().ConnectionErrors))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-b.quit:
			return nil, fmt.Errorf("ssh builder %s: %w: closed", b.cfg.Name, builder.ErrUnavailable)
		}
		return nil, fmt.Errorf("ssh builder %s: %w: connect: %w", b.cfg.Name, builder.ErrTransient, err)
	}
	b.log.Info("connected to builder", "hostKey", c.hostKey)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		c.close()
		return nil, fmt.Errorf("ssh builder %s: %w: closed", b.cfg.Name, builder.ErrUnavailable)
	}
	b.conn = c
	b.ready = false
	b.mu.Unlock()
	b.connected()
	return c, nil
}

// dropConn closes the current connection; the next use reconnects and
// sets the builder up again.
func (b *Builder) dropConn() {
	b.mu.Lock()
	c := b.conn
	b.conn = nil
	b.ready = false
	b.mu.Unlock()
	if c != nil {
		c.close()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func sameTree(a, b builder.Tree) bool {
	sa, sb := a.Settings, b.Settings
	return a.OriginURL == b.OriginURL && a.Commit == b.Commit && sa.TargetArch == sb.TargetArch &&
		slices.Equal(sa.SecondaryArchs, sb.SecondaryArchs) && sa.AllowUntested == sb.AllowUntested &&
		sa.AllowUnsafeSources == sb.AllowUnsafeSources && sa.CreateSourcePackages == sb.CreateSourcePackages
}
