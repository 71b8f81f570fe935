package repo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// Options configure a Repo. Zero values select the defaults.
type Options struct {
	Codec  Codec        // default: HPKGCodec{}
	Logger *slog.Logger // default: discard
	// Holder identifies this publisher in the lease (default host:pid:random).
	Holder string
	// LeaseTTL is how long a lease lives without renewal (default 2m); it is
	// renewed every LeaseTTL/3 while held.
	LeaseTTL time.Duration
	// LeaseWait is how long to wait for another publisher's lease (default 5m).
	LeaseWait time.Duration
	// OnLeaseWait, if set, is called when an operation starts waiting for
	// the lease another publisher holds, and again whenever the holder or
	// its expiry changes while it waits (from the waiting goroutine).
	OnLeaseWait func(held LeaseInfo)
	// Now returns the current time (default time.Now); tests inject clocks.
	Now func() time.Time
	// Concurrency bounds parallel package validations and uploads (default 4).
	Concurrency int
	// OnPublish, if set, is told how each Publish and Rollback ended, from
	// the calling goroutine after it returned (see PublishStat).
	OnPublish func(PublishStat)
}

// PublishStat is one Publish or Rollback, for metrics.
type PublishStat struct {
	Op       string        // "publish" or "rollback"
	Duration time.Duration // from the call to its return, the lease wait included
	Result   *Result       // nil on error
	Err      error
}

// Outcome classifies the stat for metrics: "ok", "unchanged" (nothing
// to publish), "refused" (the guard said no, ErrRefused), "lease_held"
// (another publisher), "invalid" (a bad package, a downgrade, an
// unknown snapshot) or "error".
func (s PublishStat) Outcome() string {
	switch {
	case s.Err == nil && s.Result != nil && s.Result.Unchanged:
		return "unchanged"
	case s.Err == nil:
		return "ok"
	case errors.Is(s.Err, ErrRefused):
		return "refused"
	case errors.Is(s.Err, ErrLeaseHeld):
		return "lease_held"
	case errors.Is(s.Err, ErrBadPackage), errors.Is(s.Err, ErrDowngrade), errors.Is(s.Err, ErrImmutable),
		errors.Is(s.Err, ErrSnapshotNotFound), errors.Is(s.Err, ErrNotListed):
		return "invalid"
	}
	return "error"
}

// observe reports a Publish or Rollback that began at start to OnPublish.
func (r *Repo) observe(op string, start time.Time, res *Result, err error) {
	if r.opts.OnPublish == nil {
		return
	}
	if err != nil {
		res = nil
	}
	r.opts.OnPublish(PublishStat{Op: op, Duration: time.Since(start), Result: res, Err: err})
}

// Repo is one target's repository in a store. It is safe for concurrent
// use; mutating operations serialise through the target's lease.
type Repo struct {
	st     store.Store
	target Target
	l      layout
	codec  Codec
	log    *slog.Logger
	opts   Options

	// cached is the last manifest read or written (snapshots are immutable,
	// so a manifest cached by id never goes stale).
	cacheMu sync.Mutex
	cached  *Manifest
}

func (r *Repo) cacheGet(id string) *Manifest {
	r.cacheMu.Lock()
	defer r.cacheMu.Unlock()
	if r.cached == nil || r.cached.ID != id {
		return nil
	}
	c := *r.cached
	c.Packages = slices.Clone(r.cached.Packages)
	return &c
}

func (r *Repo) cachePut(m *Manifest) {
	c := *m
	c.Packages = slices.Clone(m.Packages)
	r.cacheMu.Lock()
	r.cached = &c
	r.cacheMu.Unlock()
}

// New returns the repository of target t in st.
func New(st store.Store, t Target, opts Options) *Repo {
	if opts.Codec == nil {
		opts.Codec = HPKGCodec{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Holder == "" {
		h, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s:%d:%s", h, os.Getpid(), randHex(4))
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 2 * time.Minute
	}
	if opts.LeaseWait == 0 {
		opts.LeaseWait = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	return &Repo{st: st, target: t, l: t.layout(), codec: opts.Codec, log: opts.Logger.With("target", t.String()), opts: opts}
}

// Target returns the repository's target.
func (r *Repo) Target() Target { return r.target }

// Store returns the underlying store.
func (r *Repo) Store() store.Store { return r.st }

func (r *Repo) now() time.Time { return r.opts.Now().UTC() }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// getSmall reads a whole object of at most limit bytes.
func getSmall(ctx context.Context, st store.Store, key string, limit int64) ([]byte, store.ObjectInfo, error) {
	rc, oi, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, oi, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, oi, fmt.Errorf("repo: read %s: %w", key, err)
	}
	if int64(len(b)) > limit {
		return nil, oi, fmt.Errorf("repo: %s is larger than %d bytes", key, limit)
	}
	return b, oi, nil
}

// putBytes writes b to key.
func putBytes(ctx context.Context, st store.Store, key string, b []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	return st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), opts)
}

// putImmutable creates key with content b. If the key already exists with
// the same content (a retried or rerun write), that is success; different
// content is an error.
func putImmutable(ctx context.Context, st store.Store, key string, b []byte) error {
	_, err := putBytes(ctx, st, key, b, store.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, store.ErrPreconditionFailed) {
		if err != nil {
			return fmt.Errorf("repo: write %s: %w", key, err)
		}
		return nil
	}
	old, _, gerr := getSmall(ctx, st, key, int64(len(b)))
	if gerr == nil && bytes.Equal(old, b) {
		return nil
	}
	return fmt.Errorf("%w: %s exists with other content", ErrImmutable, key)
}
