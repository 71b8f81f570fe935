package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// LeaseInfo is .kiln/lease.json. A lease is free when Released is set or
// Expires has passed.
type LeaseInfo struct {
	Holder   string    `json:"holder"`
	Token    string    `json:"token"` // random per acquisition
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
	Purpose  string    `json:"purpose,omitempty"`
}

// lease is a held lease, renewed in the background until released.
type lease struct {
	r      *Repo
	mu     sync.Mutex
	info   LeaseInfo
	etag   string
	lost   error
	cancel context.CancelFunc
	done   chan struct{}
}

// ReadLease returns the current lease record (ErrNotFound-wrapping error if
// none was ever taken).
func (r *Repo) ReadLease(ctx context.Context) (LeaseInfo, string, error) {
	b, oi, err := getSmall(ctx, r.st, r.l.lease(), 1<<16)
	if err != nil {
		return LeaseInfo{}, "", err
	}
	li, err := parseLease(b, r.l.lease())
	return li, oi.ETag, err
}

// acquire takes the target's lease, waiting up to LeaseWait for another
// holder. The returned context is cancelled when the lease is lost.
func (r *Repo) acquire(ctx context.Context, purpose string) (*lease, context.Context, error) {
	deadline := time.Now().Add(r.opts.LeaseWait)
	backoff := 50 * time.Millisecond
	var told LeaseInfo
	for {
		l, held, err := r.tryAcquire(ctx, purpose)
		if held != nil && r.opts.OnLeaseWait != nil && (held.Holder != told.Holder || !held.Expires.Equal(told.Expires)) {
			told = *held
			r.opts.OnLeaseWait(*held)
		}
		if err == nil {
			lctx, cancel := context.WithCancelCause(ctx)
			l.cancel = func() { cancel(nil) }
			l.done = make(chan struct{})
			go l.renewLoop(lctx, cancel)
			return l, lctx, nil
		}
		if !errors.Is(err, ErrLeaseHeld) {
			return nil, nil, err
		}
		if time.Now().After(deadline) {
			return nil, nil, err
		}
		r.log.Debug("waiting for lease", "err", err)
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// tryAcquire takes the lease, or returns ErrLeaseHeld and (when it read
// one) the lease that is held.
func (r *Repo) tryAcquire(ctx context.Context, purpose string) (*lease, *LeaseInfo, error) {
	now := r.now()
	li := LeaseInfo{Holder: r.opts.Holder, Token: randHex(8), Acquired: now, Expires: now.Add(r.opts.LeaseTTL), Purpose: purpose}
	cur, etag, err := r.ReadLease(ctx)
	opts := store.PutOptions{IfNoneMatch: true, ContentType: "application/json"}
	switch {
	case errors.Is(err, store.ErrNotFound):
	case errors.Is(err, ErrBadManifest):
		r.log.Warn("taking over an unreadable lease", "err", err)
		opts = store.PutOptions{IfMatch: etag, ContentType: "application/json"}
	case err != nil:
		return nil, nil, fmt.Errorf("repo: read lease of %s: %w", r.target, err)
	case !cur.Released && cur.Expires.After(now):
		return nil, &cur, fmt.Errorf("%w: %s holds %s until %s", ErrLeaseHeld, cur.Holder, r.target, cur.Expires.Format(time.RFC3339))
	default:
		if !cur.Released {
			r.log.Warn("taking over an expired lease", "holder", cur.Holder, "expired", cur.Expires)
		}
		opts = store.PutOptions{IfMatch: etag, ContentType: "application/json"}
	}
	l := &lease{r: r, info: li}
	if err := l.write(ctx, opts); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			return nil, nil, fmt.Errorf("%w: another publisher took %s first", ErrLeaseHeld, r.target)
		}
		return nil, nil, err
	}
	r.log.Debug("lease acquired", "token", li.Token)
	return l, nil, nil
}

// write stores l.info with opts; a precondition failure whose write did
// land (lost response, retried) is recognised by our token.
func (l *lease) write(ctx context.Context, opts store.PutOptions) error {
	b, _ := json.MarshalIndent(&l.info, "", " ")
	oi, err := putBytes(ctx, l.r.st, l.r.l.lease(), append(b, '\n'), opts)
	if err == nil {
		l.etag = oi.ETag
		return nil
	}
	if errors.Is(err, store.ErrPreconditionFailed) {
		cur, etag, rerr := l.r.ReadLease(ctx)
		if rerr == nil && cur.Token == l.info.Token && cur.Expires.Equal(l.info.Expires) && cur.Released == l.info.Released {
			l.etag = etag
			return nil
		}
		return err
	}
	return fmt.Errorf("repo: write lease of %s: %w", l.r.target, err)
}

func (l *lease) renewLoop(ctx context.Context, cancel context.CancelCauseFunc) {
	defer close(l.done)
	t := time.NewTicker(l.r.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.renew(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				l.r.log.Error("lease renewal failed", "err", err)
				if errors.Is(err, ErrLeaseLost) {
					cancel(err)
					return
				}
			}
		}
	}
}

// renew extends the lease by LeaseTTL.
func (l *lease) renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	prev := l.info
	l.info.Expires = l.r.now().Add(l.r.opts.LeaseTTL)
	err := l.write(ctx, store.PutOptions{IfMatch: l.etag, ContentType: "application/json"})
	if errors.Is(err, store.ErrPreconditionFailed) {
		l.lost = fmt.Errorf("%w: %s was taken over", ErrLeaseLost, l.r.target)
		return l.lost
	}
	if err != nil {
		l.info = prev
	}
	return err
}

// check returns an error if the lease is known to be lost or about to
// expire (it renews when less than a third of the TTL remains).
func (l *lease) check(ctx context.Context) error {
	l.mu.Lock()
	lost, exp := l.lost, l.info.Expires
	l.mu.Unlock()
	if lost != nil {
		return lost
	}
	if exp.Sub(l.r.now()) < l.r.opts.LeaseTTL/3 {
		return l.renew(ctx)
	}
	return nil
}

// release stops renewal and marks the lease free (conditional on our ETag,
// so a lease someone else took over is left alone).
func (l *lease) release(ctx context.Context) {
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return
	}
	l.info.Released = true
	l.info.Expires = l.r.now()
	ctx = context.WithoutCancel(ctx)
	if err := l.write(ctx, store.PutOptions{IfMatch: l.etag, ContentType: "application/json"}); err != nil {
		l.r.log.Warn("lease release failed (it will expire)", "err", err)
	}
}
