package buildrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// Why an attempt's context was cancelled.
var (
	errHang    = errors.New("buildrun: no output for too long")
	errTimeout = errors.New("buildrun: build timeout")
	// errStopping: the run is being stopped for a shutdown (Handle.Stop).
	errStopping = errors.New("buildrun: kiln is shutting down; the build is requeued")
)

type attemptJob struct {
	b       *bstate
	s       *slot
	deps    []builder.Dependency
	attempt int
	number  int64
	port    PortRef
	outputs []string
	infos   map[string]*pkginfo.PackageInfo
}

// attemptDone is an attempt's outcome, sent to the loop.
type attemptDone struct {
	b        *bstate
	s        *slot
	result   string // see Attempt.Result
	err      error
	products []*product
}

// attempt runs one attempt of a build on its builder (in its own
// goroutine; it touches no runner state). It prepares the builder if
// needed, streams the log into the build's log, collects the outputs,
// and enforces the build and hang timeouts.
func (r *runner) attempt(ctx context.Context, j attemptJob) attemptDone {
	done := attemptDone{b: j.b, s: j.s}
	blog, err := openSegLog(ctx, r.opts.Store, r.l.logPrefix(r.run.ID, BuildLog(j.number)), r.opts.LogFlush, r.opts.LogSegment, r.lineEvents(BuildLog(j.number), j.number))
	if err != nil {
		done.result, done.err = classify(ctx, nil, err)
		return done
	}
	defer func() {
		if err := blog.Close(); err != nil && done.err == nil {
			r.log.Warn("build log incomplete", "build", j.number, "err", err)
		}
	}()
	name := j.s.b.Name()
	blog.Printf("=== build %d of %s, attempt %d, on builder %s, %s", j.number, j.port.RevisionedName, j.attempt, name, r.now().Format(time.RFC3339))

	tctx, cancelT := context.WithTimeoutCause(ctx, r.opts.BuildTimeout, errTimeout)
	defer cancelT()
	hctx, cancelH := context.WithCancelCause(tctx)
	defer cancelH(nil)
	stopWatch := watchHang(hctx, cancelH, blog, r.opts.HangTimeout)
	defer stopWatch()

	if !j.s.prepared {
		tree := builder.Tree{OriginURL: r.run.Tree.OriginURL, Commit: r.run.Tree.Commit, Settings: r.opts.Settings}
		if j.s.log != nil {
			j.s.log.Printf("%s: preparing %s for tree %s", r.now().Format(time.RFC3339), name, tree.Commit)
		}
		if err := j.s.b.Prepare(hctx, tree); err != nil {
			blog.Printf("preparing builder %s failed: %v", name, err)
			done.result, done.err = classify(hctx, nil, fmt.Errorf("prepare %s: %w", name, err))
			return done
		}
		j.s.prepared = true
	}

	var mu sync.Mutex
	var products []*product
	job := builder.Job{
		Number: j.number,
		Port: builder.Port{Name: j.port.Name, Version: j.port.Version, Revision: j.port.Revision,
			RecipeFilePath: j.port.RecipeFilePath},
		Dependencies: j.deps,
		Outputs:      j.outputs,
		OutputInfos:  j.infos,
		Log:          blog,
		Collect: func(ctx context.Context, file string, rd io.Reader, size int64) error {
			mu.Lock()
			defer mu.Unlock()
			if !slices.Contains(j.outputs, file) {
				return fmt.Errorf("%w: %s is not an expected output", builder.ErrBuildFailed, file)
			}
			if slices.ContainsFunc(products, func(p *product) bool { return p.File == file }) {
				return fmt.Errorf("%w: %s collected twice", builder.ErrBuildFailed, file)
			}
			p, err := ingestProduct(ctx, r.opts.Repo, file, rd, size, r.source(j.port.ID(), j.number))
			if err != nil {
				return err
			}
			blog.Printf("collected %s (%d bytes, sha256 %s)", file, p.Size, p.SHA256)
			products = append(products, p)
			return nil
		},
	}
	berr := j.s.b.Build(hctx, job)
	mu.Lock()
	defer mu.Unlock()
	if berr == nil {
		for _, f := range j.outputs {
			if !slices.ContainsFunc(products, func(p *product) bool { return p.File == f }) {
				berr = fmt.Errorf("%w: output %s was not collected", builder.ErrBuildFailed, f)
				break
			}
		}
	}
	if berr != nil {
		// What was ingested stays unlisted (prune removes it after its
		// grace period; a retry that produces it again keeps it).
		done.result, done.err = classify(hctx, ctx, berr)
		blog.Printf("build %s: %v", done.result, done.err)
		return done
	}
	// Keep the plan's order of outputs.
	slices.SortFunc(products, func(a, b *product) int {
		return slices.Index(j.outputs, a.File) - slices.Index(j.outputs, b.File)
	})
	blog.Printf("build completed successfully")
	done.result, done.products = "succeeded", products
	return done
}

// watchHang cancels ctx with errHang when the log stays silent for limit.
func watchHang(ctx context.Context, cancel context.CancelCauseFunc, l *segLog, limit time.Duration) func() {
	l.Touch()
	stop := make(chan struct{})
	every := min(max(limit/10, 5*time.Millisecond), time.Second)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if time.Since(l.LastWrite()) > limit {
					cancel(errHang)
					return
				}
			}
		}
	}()
	return func() { close(stop) }
}

// classify maps an attempt's error to its result: hctx is the attempt's
// context (with the timeouts), run the run's (nil: use hctx).
func classify(hctx, run context.Context, err error) (string, error) {
	if run == nil {
		run = hctx
	}
	cause := context.Cause(hctx)
	switch {
	case errors.Is(cause, errHang):
		return "hang", fmt.Errorf("no output for too long, cancelled: %w", err)
	case errors.Is(cause, errTimeout):
		return "timeout", fmt.Errorf("build timeout, cancelled: %w", err)
	case errors.Is(cause, ErrCancelled):
		return "cancelled", cause
	case errors.Is(cause, errStopping):
		return "interrupted", cause
	case run.Err() != nil:
		return "interrupted", err
	case errors.Is(err, builder.ErrUnavailable):
		return "lost-builder", err
	case errors.Is(err, builder.ErrTransient):
		return "transient", err
	}
	return "failed", err
}
