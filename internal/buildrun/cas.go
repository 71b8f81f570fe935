package buildrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/store"
)

// The run record (run.json) is the run's lock: whoever drives a run
// writes it compare-and-swap, each write naming the ETag of its own last
// one (If-Match). Resume takes a run over with such a write, so the
// process that drove it before loses its next write (a heartbeat at the
// latest, every HeartbeatTTL/3) and stops driving the run with
// ErrTakenOver, writing nothing more. Two processes never both drive a
// run for longer than that.

// casPut writes b to key if key's ETag is still etag and returns the new
// ETag. It wraps store.ErrPreconditionFailed when another write came in
// between; a write of ours whose answer was lost and whose retry then
// failed its precondition is recognised by the content.
func casPut(ctx context.Context, st store.Store, key string, b []byte, etag string) (string, error) {
	opts := store.PutOptions{ContentType: "application/json", IfMatch: etag}
	if etag == "" {
		opts = store.PutOptions{ContentType: "application/json", IfNoneMatch: true}
	}
	oi, err := st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), opts)
	if err == nil {
		return oi.ETag, nil
	}
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return "", fmt.Errorf("buildrun: write %s: %w", key, err)
	}
	cur, coi, rerr := getLimited(ctx, st, key, maxRecord)
	if rerr == nil && bytes.Equal(cur, b) {
		return coi.ETag, nil
	}
	return "", fmt.Errorf("buildrun: write %s: %w", key, err)
}

// readRun reads run id's record and its ETag.
func (e *Engine) readRun(ctx context.Context, id string) (*Run, string, error) {
	if !validRunID(id) {
		return nil, "", fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	key := e.l.runRecord(id)
	b, oi, err := getLimited(ctx, e.opts.Store, key, maxRecord)
	if isNotFound(err) {
		return nil, "", fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, "", fmt.Errorf("buildrun: read %s: %w", key, err)
	}
	var run Run
	if err := decodeRecord(b, &run); err != nil {
		return nil, "", fmt.Errorf("%w: %s: %v", ErrBadRecord, key, err)
	}
	if run.ID != id {
		return nil, "", fmt.Errorf("%w: %s holds the record of run %s", ErrBadRecord, key, run.ID)
	}
	return &run, oi.ETag, nil
}

// putRun writes run's record compare-and-swap on etag ("": create it)
// and returns the new ETag; losing wraps ErrActive (another process
// wrote the record first).
func (e *Engine) putRun(ctx context.Context, run *Run, etag string) (string, error) {
	b, err := encodeRecord(run)
	if err != nil {
		return "", err
	}
	tag, err := casPut(ctx, e.opts.Store, e.l.runRecord(run.ID), b, etag)
	if errors.Is(err, store.ErrPreconditionFailed) {
		return "", fmt.Errorf("%w: run %s: its record changed meanwhile (%v)", ErrActive, run.ID, err)
	}
	return tag, err
}
