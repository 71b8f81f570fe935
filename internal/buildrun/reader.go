package buildrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// maxRecord bounds what is read of a run or build record.
const maxRecord = 64 << 20

// Reader reads a target's run records from the store; it needs no
// engine (`kiln runs list|show|log` use it). It is safe for concurrent use.
type Reader struct {
	st store.Store
	l  layout
}

// NewReader returns a reader of the records of r's target in st.
func NewReader(st store.Store, r *repo.Repo) *Reader { return &Reader{st: st, l: newLayout(r)} }

// RunIDs lists the ids of the stored runs, oldest first.
func (rd *Reader) RunIDs(ctx context.Context) ([]string, error) {
	var ids []string
	p := rd.l.runsPrefix()
	err := rd.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if oi.IsPrefix {
			ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(oi.Key, p), "/"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("buildrun: list runs: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// Runs reads every run record, oldest first; directories without a run
// record (a start that crashed) are left out.
func (rd *Reader) Runs(ctx context.Context) ([]*Run, error) {
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Run, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, id := range ids {
		g.Go(func() error {
			r, err := rd.Run(gctx, id)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			out[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(r *Run) bool { return r == nil }), nil
}

// Run reads one run record.
func (rd *Reader) Run(ctx context.Context, id string) (*Run, error) {
	if !validRunID(id) {
		return nil, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	var r Run
	if err := rd.get(ctx, rd.l.runRecord(id), &r); err != nil {
		return nil, err
	}
	if r.ID != id {
		return nil, fmt.Errorf("%w: %s holds the record of run %s", ErrBadRecord, rd.l.runRecord(id), r.ID)
	}
	return &r, nil
}

// Builds reads every build record of a run, by number.
func (rd *Reader) Builds(ctx context.Context, id string) ([]Build, error) {
	if !validRunID(id) {
		return nil, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	var nums []int64
	p := rd.l.buildsPrefix(id)
	err := rd.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if n, ok := buildNumberOf(strings.TrimPrefix(oi.Key, p)); ok && !oi.IsPrefix {
			nums = append(nums, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("buildrun: list builds of %s: %w", id, err)
	}
	slices.Sort(nums)
	out := make([]Build, len(nums))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, n := range nums {
		g.Go(func() error { return rd.get(gctx, rd.l.build(id, n), &out[i]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Build reads one build record.
func (rd *Reader) Build(ctx context.Context, id string, n int64) (*Build, error) {
	if !validRunID(id) {
		return nil, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	var b Build
	if err := rd.get(ctx, rd.l.build(id, n), &b); err != nil {
		return nil, err
	}
	return &b, nil
}

func (rd *Reader) get(ctx context.Context, key string, v any) error {
	b, _, err := getLimited(ctx, rd.st, key, maxRecord)
	if isNotFound(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return fmt.Errorf("buildrun: read %s: %w", key, err)
	}
	if err := decodeRecord(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadRecord, key, err)
	}
	return nil
}

// File reads one of a run's files: "status.json", "report.txt" or
// "report.json".
func (rd *Reader) File(ctx context.Context, id, name string) ([]byte, error) {
	if !validRunID(id) || !slices.Contains([]string{"status.json", "report.txt", "report.json", "run.json"}, name) {
		return nil, fmt.Errorf("%w: %s of run %q", ErrNotFound, name, id)
	}
	b, _, err := getLimited(ctx, rd.st, rd.l.run(id)+name, maxRecord)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s of run %s", ErrNotFound, name, id)
	}
	return b, err
}

// Log copies a log of run id to w: BuildLog(n), BuilderLog(name) or
// MasterLog. It returns the number of segments read.
func (rd *Reader) Log(ctx context.Context, id, log string, w io.Writer) (int, error) {
	n, _, err := rd.copyLog(ctx, id, log, 0, w)
	return n, err
}

// LogSize is the length in bytes of a log of run id, as Log would copy
// it now (the sum of its segments' sizes; one listing).
func (rd *Reader) LogSize(ctx context.Context, id, log string) (int64, error) {
	if !validRunID(id) {
		return 0, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	p := rd.l.logPrefix(id, log)
	var size int64
	err := rd.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix && strings.HasSuffix(oi.Key, ".log") {
			size += oi.Size
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("buildrun: list log %s: %w", p, err)
	}
	return size, nil
}

// copyLog copies the segments after the first skip and returns how many
// there are in all.
func (rd *Reader) copyLog(ctx context.Context, id, log string, skip int, w io.Writer) (int, int64, error) {
	if !validRunID(id) {
		return 0, 0, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	p := rd.l.logPrefix(id, log)
	var keys []string
	err := rd.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix && strings.HasSuffix(oi.Key, ".log") {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("buildrun: list log %s: %w", p, err)
	}
	slices.Sort(keys)
	var total int64
	for i := skip; i < len(keys); i++ {
		rc, _, err := rd.st.Get(ctx, keys[i], store.GetOptions{})
		if err != nil {
			return i, total, fmt.Errorf("buildrun: read %s: %w", keys[i], err)
		}
		n, err := io.Copy(w, rc)
		rc.Close()
		total += n
		if err != nil {
			return i, total, fmt.Errorf("buildrun: read %s: %w", keys[i], err)
		}
	}
	return max(len(keys), skip), total, nil
}

// Follow copies a build's log to w as it grows, polling every poll,
// until the build is over and its log complete, or ctx ends.
func (rd *Reader) Follow(ctx context.Context, id string, build int64, w io.Writer, poll time.Duration) error {
	seen := 0
	for {
		b, err := rd.Build(ctx, id, build)
		if err != nil {
			return err
		}
		over := b.State.Final()
		n, _, err := rd.copyLog(ctx, id, BuildLog(build), seen, w)
		if err != nil {
			return err
		}
		seen = n
		if over {
			// The record was final before this listing: nothing follows.
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}
