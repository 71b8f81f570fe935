package buildrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// PublishMode says when a run publishes the repository.
type PublishMode string

// Publishing modes.
const (
	// PublishAtEnd publishes once, when every build is over (HaikuPorter's
	// behaviour). The default.
	PublishAtEnd PublishMode = "end"
	// PublishEachBuild publishes after each successful build (builds that
	// finish while a publish runs are published together next).
	PublishEachBuild PublishMode = "each-build"
	// PublishNever leaves publishing to someone else (`kiln repo publish`).
	PublishNever PublishMode = "never"
)

// ParsePublishMode returns the mode called s.
func ParsePublishMode(s string) (PublishMode, error) {
	switch m := PublishMode(s); m {
	case PublishAtEnd, PublishEachBuild, PublishNever:
		return m, nil
	}
	return "", fmt.Errorf("buildrun: unknown publish mode %q (want end, each-build or never)", s)
}

// Options configure an Engine. Store, Target and Builders are required;
// zero values of the others select the defaults.
type Options struct {
	Store  store.Store
	Target repo.Target
	// Repo publishes the target (default repo.New(Store, Target, …)).
	Repo     *repo.Repo
	Builders []builder.Builder
	Logger   *slog.Logger
	// Bus receives the run's events (default: a new bus, see Engine.Bus).
	Bus *Bus
	// System are the packages builds use that are not in the repository
	// (Haiku's system packages); nil: none.
	System SystemPackages
	// RepoInfo is the repository info of the target's first publish.
	RepoInfo *pkginfo.RepositoryInfo
	// Settings are the builders' builder.conf values (TargetArch defaults
	// to the target's architecture).
	Settings builder.Settings

	Publish PublishMode
	// PublishUninstallable publishes packages even when they could not be
	// installed from the new repository (because a dependency failed); by
	// default such packages are held back and reported.
	PublishUninstallable bool
	// AllowRegressions publishes even when the consistency check says the
	// publish makes an installable package uninstallable (by default the
	// publish is refused and the packages are held back and reported).
	AllowRegressions bool
	Signer           repo.Signer

	// BuildTimeout bounds one attempt of a build (default 6h); a build
	// that exceeds it fails.
	BuildTimeout time.Duration
	// HangTimeout cancels an attempt whose log stayed silent that long
	// (default 1h); a hang counts as a transient failure.
	HangTimeout time.Duration
	// Retries is how many times a transient failure is retried (default
	// 3; negative: never).
	Retries int
	// RetryBackoff is the wait before the first retry, doubled for each
	// further one (default 30s).
	RetryBackoff time.Duration
	// RetryFailureElsewhere retries a build that failed on its own merits
	// once on another builder (HaikuPorter #98).
	RetryFailureElsewhere bool

	// Policy orders ready builds (default CriticalPath).
	Policy Policy
	// Expected returns a port's expected build duration (0: unknown), for
	// the critical path; nil: every build counts the same.
	Expected func(port string) time.Duration

	// LogFlush and LogSegment bound how long and how many bytes a log
	// line waits before it is stored (defaults 2s and 64 KiB).
	LogFlush   time.Duration
	LogSegment int
	// StatusInterval bounds how often status.json is rewritten (default 1s).
	StatusInterval time.Duration
	// Holder names this process in the run record (default host:pid:random);
	// HeartbeatTTL is how long a run record's heartbeat keeps another
	// process from resuming the run (default 2m).
	Holder       string
	HeartbeatTTL time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

func (o *Options) defaults() error {
	if o.Store == nil {
		return fmt.Errorf("buildrun: no store")
	}
	if _, err := o.Target.Architecture(); err != nil {
		return fmt.Errorf("buildrun: target %q: %w", o.Target, err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Repo == nil {
		o.Repo = repo.New(o.Store, o.Target, repo.Options{Logger: o.Logger})
	}
	if o.Bus == nil {
		o.Bus = NewBus()
	}
	if o.Settings.TargetArch == "" {
		o.Settings.TargetArch = o.Target.Arch
	}
	if o.Publish == "" {
		o.Publish = PublishAtEnd
	}
	if _, err := ParsePublishMode(string(o.Publish)); err != nil {
		return err
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = 6 * time.Hour
	}
	if o.HangTimeout <= 0 {
		o.HangTimeout = time.Hour
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 30 * time.Second
	}
	if o.LogFlush <= 0 {
		o.LogFlush = 2 * time.Second
	}
	if o.LogSegment <= 0 {
		o.LogSegment = 64 << 10
	}
	if o.StatusInterval <= 0 {
		o.StatusInterval = time.Second
	}
	if o.Holder == "" {
		h, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Holder = fmt.Sprintf("%s:%d:%s", h, os.Getpid(), hex.EncodeToString(b))
	}
	if o.HeartbeatTTL <= 0 {
		o.HeartbeatTTL = 2 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	names := map[string]bool{}
	for _, b := range o.Builders {
		if !validRunID(b.Name()) {
			return fmt.Errorf("buildrun: builder name %q is not usable in a store key", b.Name())
		}
		if names[b.Name()] {
			return fmt.Errorf("buildrun: two builders are called %q", b.Name())
		}
		names[b.Name()] = true
	}
	return nil
}

// Engine runs the build runs of one target, one at a time. It is safe for
// concurrent use.
type Engine struct {
	opts Options
	l    layout
	log  *slog.Logger

	mu     sync.Mutex
	active *Handle
}

// New returns an engine. It does no I/O.
func New(opts Options) (*Engine, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	return &Engine{opts: opts, l: newLayout(opts.Repo), log: opts.Logger.With("target", opts.Target.String())}, nil
}

// Bus is the bus the engine's events go to.
func (e *Engine) Bus() *Bus { return e.opts.Bus }

// Records returns a reader of the target's run records.
func (e *Engine) Records() *Reader { return NewReader(e.opts.Store, e.opts.Repo) }

// Handle is a run the engine drives.
type Handle struct {
	r    *runner
	done chan struct{}
	err  error
}

// ID is the run's id.
func (h *Handle) ID() string { return h.r.run.ID }

// Wait waits until the run stops (finished, cancelled, stopped by an
// error or by the cancellation of the context it was started with) and
// returns its record. The error is nil when the run finished (even with
// failed builds: see Run.State).
func (h *Handle) Wait(ctx context.Context) (*Run, error) {
	select {
	case <-h.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	run := h.r.snapshotRun()
	return &run, h.err
}

// Done is closed when the run stops.
func (h *Handle) Done() <-chan struct{} { return h.done }

// Cancel cancels the run: running builds are cancelled on their
// builders, nothing more is started, what was built is published
// (unless the publishing mode is never) and the run ends cancelled.
func (h *Handle) Cancel(reason string) { h.r.request(cancelRun{reason}) }

// Stop stops the run for a shutdown of this kiln: nothing more starts,
// running builds are cancelled on their builders and requeued (their
// attempt ends "interrupted"), a publish in progress finishes, then the
// records are written and the heartbeat released, so that another kiln
// (or this one's next start) resumes the run at once; what succeeded and
// is not published yet is published by that resume. Wait then returns an
// error wrapping ErrStopped. The run stays unfinished (state running,
// no heartbeat).
func (h *Handle) Stop(reason string) { h.r.request(stopRun{reason}) }

// CancelBuild cancels one build (running or not); its dependents are lost.
func (h *Handle) CancelBuild(number int64, reason string) error {
	ch := make(chan error, 1)
	h.r.request(cancelBuild{number, reason, ch})
	select {
	case err := <-ch:
		return err
	case <-h.done:
		return fmt.Errorf("%w: run %s is over", ErrFinished, h.ID())
	}
}

// Status returns the run's current state as status.json has it.
func (h *Handle) Status() Status { return h.r.status() }

// Builds returns copies of the run's build records, in plan order.
func (h *Handle) Builds() []Build { return h.r.snapshotBuilds() }

// Run returns a copy of the run's record as it is now (no I/O).
func (h *Handle) Run() Run { return h.r.snapshotRun() }

func (e *Engine) begin(ctx context.Context, r *runner) (*Handle, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active != nil {
		select {
		case <-e.active.done:
		default:
			return nil, fmt.Errorf("%w: run %s is running", ErrBusy, e.active.ID())
		}
	}
	h := &Handle{r: r, done: make(chan struct{})}
	e.active = h
	go func() {
		h.err = r.loop(ctx)
		close(h.done)
	}()
	return h, nil
}

// Active returns the run the engine drives, if any.
func (e *Engine) Active() (*Handle, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active == nil {
		return nil, false
	}
	select {
	case <-e.active.done:
		return nil, false
	default:
		return e.active, true
	}
}

// newRunID names a run by its start (to the millisecond, so ids sort in
// start order) and a random suffix.
func newRunID(t time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return t.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b)
}
