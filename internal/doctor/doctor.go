// Package doctor checks that a kiln setup works before it is trusted with
// builds: the config, the store (listing, writes, conditional writes
// supported and enforced, presigned URLs, deleting, clock skew), each
// target as kiln serve opens it, each mirror store, each builder, the
// ports tree and the targets' signing keys. `kiln doctor` prints one line
// per check with a fix hint under each problem.
//
// A check is a name and a function that says ok, warn or fail with a
// detail and, when not ok, how to fix it. Checks never change what kiln
// keeps: the store checks write probe objects under .kiln/doctor/<random>
// and delete them, also when a check fails or the context ends.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/store"
)

// Status is a check's outcome.
type Status int

const (
	// OK: the check passed (also when it does not apply, said in Detail).
	OK Status = iota
	// Warn: works, but something deserves attention.
	Warn
	// Fail: kiln will not work (or not safely) until it is fixed.
	Fail
	// Skip: not checked because a check it depends on failed.
	Skip
)

// String is "ok", "warn", "FAIL" or "skip" (the column kiln doctor prints).
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	case Fail:
		return "FAIL"
	case Skip:
		return "skip"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalJSON is the lower-case name ("ok", "warn", "fail", "skip").
func (s Status) MarshalJSON() ([]byte, error) {
	if s == Fail {
		return json.Marshal("fail")
	}
	return json.Marshal(s.String())
}

// Result is one check's outcome.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was found (one line).
	Detail string `json:"detail"`
	// Fix says what to do about a warning or failure.
	Fix string `json:"fix,omitempty"`
}

func okf(format string, args ...any) Result {
	return Result{Status: OK, Detail: fmt.Sprintf(format, args...)}
}

func warnf(fix, format string, args ...any) Result {
	return Result{Status: Warn, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func failf(fix, format string, args ...any) Result {
	return Result{Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func skipf(format string, args ...any) Result {
	return Result{Status: Skip, Detail: fmt.Sprintf(format, args...)}
}

// Check is one check: Run says how it went (its Name is filled in).
type Check struct {
	Name string
	Run  func(ctx context.Context) Result
}

// Options configure Run. Zero values are the defaults.
type Options struct {
	// Logger receives what the checks do (default: discarded).
	Logger *slog.Logger
	// Timeout bounds each check (default 30 s; builders all at once).
	Timeout time.Duration
	// OpenStore opens the config's store (default store.Create, as kiln
	// serve does: a missing directory is created).
	OpenStore func(ctx context.Context, url string) (store.Store, error)
	// HTTPClient GETs presigned URLs (default http.DefaultClient).
	HTTPClient *http.Client
	// MaxSkew is the clock difference with the store that fails (default
	// 1 minute: leases and heartbeats compare times across machines).
	MaxSkew time.Duration
}

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = 30 * time.Second

// DefaultMaxSkew is Options.MaxSkew's default.
const DefaultMaxSkew = time.Minute

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.OpenStore == nil {
		o.OpenStore = func(ctx context.Context, url string) (store.Store, error) {
			return store.Create(ctx, url, store.S3Options{})
		}
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
}

// Run runs every check of cfg in order (the store, the builders, the
// tree, the signing keys) and calls report with each result as soon as
// it is known; it returns them all. Probe objects are deleted before it
// returns, whatever happened.
func Run(ctx context.Context, cfg *config.Config, opts Options, report func(Result)) []Result {
	opts.defaults()
	p := &storeProbe{url: cfg.Store.URL, opts: opts}
	defer p.cleanup(ctx)
	var checks []Check
	checks = append(checks, p.checks()...)
	checks = append(checks, p.targetChecks(cfg)...)
	for i, m := range cfg.Mirrors {
		c, mp := mirrorCheck(i, m.URL, opts)
		defer mp.cleanup(ctx)
		checks = append(checks, c)
	}
	checks = append(checks, builderChecks(cfg, opts)...)
	checks = append(checks, treeCheck(cfg, opts))
	checks = append(checks, signChecks(cfg)...)
	var results []Result
	for _, c := range checks {
		r := run(ctx, c, opts)
		opts.Logger.Info("doctor", "check", r.Name, "status", r.Status.String(), "detail", r.Detail)
		results = append(results, r)
		if report != nil {
			report(r)
		}
	}
	return results
}

// run runs one check within the timeout.
func run(ctx context.Context, c Check, opts Options) Result {
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	r := c.Run(cctx)
	r.Name = c.Name
	if r.Status == Fail && cctx.Err() != nil && ctx.Err() == nil {
		r.Detail = fmt.Sprintf("no answer within %v: %s", opts.Timeout, r.Detail)
	}
	return r
}

// Failed reports whether any result is a failure.
func Failed(results []Result) bool {
	for _, r := range results {
		if r.Status == Fail {
			return true
		}
	}
	return false
}
