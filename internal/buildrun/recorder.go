package buildrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/haikuports/kiln/internal/store"
)

// recorder writes records to the store in the background so the run's
// loop never waits for the store: the latest value of each key is kept
// and written by a few workers (an older value still queued is replaced,
// never written after a newer one). Flush waits until everything queued
// so far is written.
//
// A key registered with guard is written compare-and-swap: each write
// names the ETag of the previous one (If-Match), so a writer that another
// process overtook loses (see cas.go); then nothing more is written and
// lost is closed.
type recorder struct {
	st  store.Store
	log *slog.Logger

	guarded map[string]string // key → ETag of our last write (guard)
	lostErr error             // why a guarded write lost (nil: none)
	lost    chan struct{}     // closed when lostErr is set

	mu       sync.Mutex
	cond     *sync.Cond
	pending  map[string][]byte
	order    []string // keys with a pending value, first queued first
	inflight map[string]bool
	err      error // the first write error (after the store's own retries)
	closed   bool
	wg       sync.WaitGroup
}

func newRecorder(st store.Store, log *slog.Logger, workers int) *recorder {
	r := &recorder{st: st, log: log, pending: map[string][]byte{}, inflight: map[string]bool{},
		guarded: map[string]string{}, lost: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	for range workers {
		r.wg.Add(1)
		go r.worker()
	}
	return r
}

// put queues v (JSON-encoded now) for key.
func (r *recorder) put(key string, v any) {
	b, err := encodeRecord(v)
	if err != nil {
		r.fail(fmt.Errorf("buildrun: encode %s: %w", key, err))
		return
	}
	r.putBytes(key, b)
}

func (r *recorder) putBytes(key string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lostErr != nil || r.closed {
		return // overtaken: this process writes nothing more
	}
	if _, ok := r.pending[key]; !ok {
		r.order = append(r.order, key)
	}
	r.pending[key] = b
	r.cond.Broadcast()
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
	r.log.Error("writing a record failed", "err", err)
}

func (r *recorder) worker() {
	defer r.wg.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		key := ""
		for i, k := range r.order {
			if !r.inflight[k] {
				key = k
				r.order = append(r.order[:i:i], r.order[i+1:]...)
				break
			}
		}
		if key == "" {
			if r.closed {
				return
			}
			r.cond.Wait()
			continue
		}
		b := r.pending[key]
		delete(r.pending, key)
		r.inflight[key] = true
		ct := "application/json"
		if strings.HasSuffix(key, ".txt") {
			ct = "text/plain; charset=utf-8"
		}
		etag, guarded := r.guarded[key]
		r.mu.Unlock()
		var err error
		if guarded {
			etag, err = casPut(context.Background(), r.st, key, b, etag)
		} else {
			_, err = r.st.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), store.PutOptions{ContentType: ct})
		}
		r.mu.Lock()
		delete(r.inflight, key)
		if guarded && err == nil {
			r.guarded[key] = etag
		}
		if errors.Is(err, store.ErrPreconditionFailed) {
			r.overtaken(fmt.Errorf("%w: %s was rewritten by another process", ErrTakenOver, key))
			r.cond.Broadcast()
			continue
		}
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("buildrun: write %s: %w", key, err)
			r.log.Error("writing a record failed", "key", key, "err", err)
		}
		r.cond.Broadcast()
	}
}

// guard makes key's writes compare-and-swap, starting from etag (the
// ETag of the caller's own last write of key).
func (r *recorder) guard(key, etag string) {
	r.mu.Lock()
	r.guarded[key] = etag
	r.mu.Unlock()
}

// overtaken records that a guarded write lost and drops everything
// queued (r.mu held).
func (r *recorder) overtaken(err error) {
	if r.lostErr != nil {
		return
	}
	r.lostErr = err
	r.pending = map[string][]byte{}
	r.order = nil
	close(r.lost)
	r.log.Error("another kiln took the run over; this one stops driving it and writes nothing more", "err", err)
}

// lostTo returns why a guarded write lost (nil if none did).
func (r *recorder) lostTo() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lostErr
}

// flush waits until every value queued before the call is written and
// returns the first write error so far.
func (r *recorder) flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.order) > 0 || len(r.inflight) > 0 {
		r.cond.Wait()
	}
	if r.err == nil {
		return r.lostErr
	}
	return r.err
}

// close flushes and stops the workers.
func (r *recorder) close() error {
	err := r.flush()
	r.mu.Lock()
	r.closed = true
	r.cond.Broadcast()
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

// abandon stops the workers without writing what is queued (a crash, as
// far as the store can tell).
func (r *recorder) abandon() {
	r.mu.Lock()
	r.closed = true
	r.pending = map[string][]byte{}
	r.order = nil
	r.cond.Broadcast()
	r.mu.Unlock()
	r.wg.Wait()
}
