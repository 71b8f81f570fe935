package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// DefaultLeaseTTL is how long a target's scheduling lease lasts without
// renewal when the config does not say ([build] lease_ttl).
const DefaultLeaseTTL = 30 * time.Second

// Errors of the scheduling lease.
var (
	// ErrNotHolder: another kiln serve replica holds the target's
	// scheduling lease; only it starts runs (the API answers 409
	// not_holder naming it).
	ErrNotHolder = errors.New("daemon: another replica schedules this target")
	// ErrLeaseLost: the lease this replica held was taken by another one
	// (or could not be renewed before it expired); this one stopped
	// scheduling the target.
	ErrLeaseLost = errors.New("daemon: scheduling lease lost")
)

// LeaseRecord is a target's scheduling lease, kept in the store at
// <branch>/<arch>/.kiln/schedule-lease.json and only ever written
// compare-and-swap (create-if-absent, or If-Match on the ETag read). It
// is free when Released is set or Expires has passed.
type LeaseRecord struct {
	Holder   string    `json:"holder"` // the replica id (host:pid:random)
	Token    string    `json:"token"`  // random per acquisition
	Acquired time.Time `json:"acquired"`
	Renewed  time.Time `json:"renewed"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
	// Run is the run the holder drove at its last renewal, so that the
	// other replicas can show it.
	Run string `json:"run,omitempty"`
}

// free reports whether the lease can be taken at now.
func (r LeaseRecord) free(now time.Time) bool { return r.Released || !r.Expires.After(now) }

// schedLease is one replica's view of a target's scheduling lease. It is
// not safe for concurrent use (the target's keeper owns it).
type schedLease struct {
	st     store.Store
	key    string
	holder string
	ttl    time.Duration
	now    func() time.Time

	run  string // the run to name in the next write (set by the keeper)
	held bool
	rec  LeaseRecord // the last record read or written
	etag string      // of rec as stored
}

// leaseTake is what a hold found.
type leaseTake struct {
	// Acquired is set when this call took the lease (it was free).
	Acquired bool
	// From is the holder the lease was taken from when it had expired
	// without release or was released (that holder drives nothing any
	// more: its runs may be taken over at once).
	From string
}

func newSchedLease(st store.Store, key, holder string, ttl time.Duration) *schedLease {
	return &schedLease{st: st, key: key, holder: holder, ttl: ttl, now: func() time.Time { return time.Now().UTC() }}
}

// hold takes the lease if it is free, renews it if this replica holds
// it, and reports whether it holds it now. Holding, a lost
// compare-and-swap or a renewal that failed until the lease expired is
// ErrLeaseLost (no longer held). Another live holder is not an error:
// held is false and Record says who.
func (l *schedLease) hold(ctx context.Context) (held bool, take leaseTake, err error) {
	now := l.now()
	if l.held {
		next := l.rec
		next.Renewed, next.Expires, next.Run = now, now.Add(l.ttl), l.run
		err := l.write(ctx, next, store.PutOptions{IfMatch: l.etag})
		switch {
		case err == nil:
			return true, take, nil
		case errors.Is(err, store.ErrPreconditionFailed):
			l.held = false
			return false, take, fmt.Errorf("%w: %s was rewritten by another replica", ErrLeaseLost, l.key)
		case l.rec.Expires.Before(l.now().Add(l.ttl / 3)):
			// Not renewed, and it expires before the next try: another
			// replica may take it then, so this one stops now.
			l.held = false
			return false, take, fmt.Errorf("%w: not renewed before it expires: %v", ErrLeaseLost, err)
		}
		return true, take, err // renewal failed; still ours until rec.Expires
	}
	cur, etag, err := l.read(ctx)
	opts := store.PutOptions{IfMatch: etag}
	switch {
	case errors.Is(err, store.ErrNotFound):
		opts = store.PutOptions{IfNoneMatch: true}
	case err != nil:
		return false, take, err
	case !cur.free(now) && cur.Holder != l.holder:
		l.rec, l.etag = cur, etag
		return false, take, nil
	default:
		take.From = cur.Holder
	}
	next := LeaseRecord{Holder: l.holder, Token: randToken(), Acquired: now, Renewed: now, Expires: now.Add(l.ttl), Run: l.run}
	if err := l.write(ctx, next, opts); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			// Another replica took it first.
			if cur, etag, err := l.read(ctx); err == nil {
				l.rec, l.etag = cur, etag
			}
			return false, leaseTake{}, nil
		}
		return false, leaseTake{}, err
	}
	l.held, take.Acquired = true, true
	return true, take, nil
}

// release frees the lease if this replica holds it (compare-and-swap:
// a lease another replica took meanwhile is left alone).
func (l *schedLease) release(ctx context.Context) error {
	if !l.held {
		return nil
	}
	l.held = false
	next := l.rec
	next.Released, next.Renewed, next.Run = true, l.now(), ""
	if err := l.write(ctx, next, store.PutOptions{IfMatch: l.etag}); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			return nil // taken over already
		}
		return err
	}
	return nil
}

// write stores rec with opts; a precondition failure whose write did
// land (its answer lost and retried) is recognised by our token and
// expiry.
func (l *schedLease) write(ctx context.Context, rec LeaseRecord, opts store.PutOptions) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	opts.ContentType = "application/json"
	oi, err := l.st.Put(ctx, l.key, bytes.NewReader(b), int64(len(b)), opts)
	if errors.Is(err, store.ErrPreconditionFailed) {
		if cur, etag, rerr := l.read(ctx); rerr == nil && cur == rec {
			l.rec, l.etag = cur, etag
			return nil
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("daemon: write %s: %w", l.key, err)
	}
	l.rec, l.etag = rec, oi.ETag
	return nil
}

// read returns the stored lease and its ETag (store.ErrNotFound if none
// was ever taken). An unreadable record counts as free (its ETag still
// guards the takeover).
func (l *schedLease) read(ctx context.Context) (LeaseRecord, string, error) {
	var rec LeaseRecord
	etag, err := getJSON(ctx, l.st, l.key, 64<<10, &rec)
	if errors.Is(err, errBadJSON) {
		return LeaseRecord{Released: true}, etag, nil
	}
	if err != nil {
		return LeaseRecord{}, "", err
	}
	return rec, etag, nil
}

// ReadLease returns the target's scheduling lease as stored
// (store.ErrNotFound if no replica ever took it).
func (t *Target) ReadLease(ctx context.Context) (LeaseRecord, error) {
	l := newSchedLease(t.opts.Store, t.leaseKey(), "", 0)
	rec, _, err := l.read(ctx)
	return rec, err
}

func (t *Target) leaseKey() string { return t.kilnKey("schedule-lease.json") }

func randToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ReplicaID names a kiln serve process in leases, run records and logs:
// host:pid:random.
func ReplicaID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "kiln"
	}
	return fmt.Sprintf("%s:%d:%s", h, os.Getpid(), randToken()[:8])
}

// Unscheduled returns nil when no kiln serve replica holds the target's
// scheduling lease (never taken, released or expired), else an error
// wrapping ErrNotHolder naming the holder: `kiln build` refuses to run
// beside a kiln serve that schedules the target.
func (t *Target) Unscheduled(ctx context.Context) error {
	rec, err := t.ReadLease(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if rec.free(time.Now()) {
		return nil
	}
	return fmt.Errorf("%w: %s is scheduled by kiln serve replica %s (lease until %s); let it build (POST …/runs), or stop it first",
		ErrNotHolder, t.Name(), rec.Holder, rec.Expires.Format(time.RFC3339))
}
