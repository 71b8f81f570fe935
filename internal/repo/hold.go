package repo

import "context"

// Hold runs fn while holding the target's lease, for writers outside this
// package that must exclude publishers and each other (the mirror writes a
// destination target under its lease). purpose is recorded in lease.json.
// fn's context is canceled when the lease is lost; Hold returns fn's error,
// else an error if the lease was lost meanwhile. It waits for another
// holder as publishing does (Options.LeaseWait, OnLeaseWait).
func (r *Repo) Hold(ctx context.Context, purpose string, fn func(ctx context.Context) error) error {
	l, lctx, err := r.acquire(ctx, purpose)
	if err != nil {
		return err
	}
	defer l.release(ctx)
	if err := fn(lctx); err != nil {
		return err
	}
	return l.check(ctx)
}
