package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// A replica that does not hold a target's scheduling lease relays what
// only the holder can do through the store: a run request (Trigger), a
// cancel of a run or a build the holder drives (CancelRun, CancelBuild)
// or a wake (Wake: a push webhook, a trigger hook) becomes a small object
// below <branch>/<arch>/.kiln/relay/, which the holder's keeper picks up
// at its next lease renewal (every lease_ttl/3) and carries out as if it
// had been asked itself. A request is deleted before it is carried out
// (at most once: a holder that dies in between loses it) and dropped
// unread when older than relayMaxAge.

// ErrRelayed is wrapped by a *RelayedError: the request went to the
// target's holder through the store.
var ErrRelayed = errors.New("daemon: relayed to the replica that schedules the target")

// relayMaxAge is how old a relayed request may be when the holder finds
// it (older ones were meant for a holder long gone).
const relayMaxAge = 10 * time.Minute

// RelayedError says Trigger relayed the request to Holder (the API
// answers 202 with ID).
type RelayedError struct {
	ID     string // the request's name below .kiln/relay/
	Holder string // the replica holding the target's lease when it was written
}

func (e *RelayedError) Error() string {
	return fmt.Sprintf("%v: request %s for %s", ErrRelayed, e.ID, e.Holder)
}
func (e *RelayedError) Unwrap() error { return ErrRelayed }

// relayed is a request in the store.
type relayed struct {
	Kind    string   `json:"kind"` // "run", "wake" or "cancel"
	Request *Request `json:"request,omitempty"`
	// Run, Build and Reason: what a cancel cancels (Build 0: the run).
	Run     string    `json:"run,omitempty"`
	Build   int64     `json:"build,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	From    string    `json:"from"` // the replica that wrote it
	Created time.Time `json:"created"`
}

func (t *Target) relayPrefix() string { return t.kilnKey("relay/") }

// relay writes r for t's holder and returns its id.
func (d *Daemon) relay(ctx context.Context, t *Target, r relayed) (string, error) {
	if r.From == "" {
		r.From = d.replica
	}
	if r.Created.IsZero() {
		r.Created = time.Now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	id := r.Created.Format("20060102T150405.000000000Z") + "-" + randToken()[:8] + "-" + r.Kind
	key := t.relayPrefix() + id + ".json"
	if _, err := t.opts.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{IfNoneMatch: true, ContentType: "application/json"}); err != nil {
		return "", fmt.Errorf("daemon: relay to the holder of %s: %w", t.Name(), err)
	}
	return id, nil
}

// relayCancel relays a cancel of a run another replica drives when this
// replica does not hold t's lease (the holder drives t's runs); else it
// returns notHere.
func (d *Daemon) relayCancel(ctx context.Context, t *Target, r relayed, notHere error) error {
	if _, err := d.keepers[t.Name()].heldCtx(); err == nil {
		return notHere
	}
	id, err := d.relay(ctx, t, r)
	if err != nil {
		return fmt.Errorf("%w (%v)", notHere, err)
	}
	return &RelayedError{ID: id, Holder: d.Lease(t.Name()).Holder}
}

// relayWake tells the holders of the targets this replica does not hold
// that the tree moved (one pending wake per target is enough).
func (d *Daemon) relayWake(ctx context.Context) {
	for _, t := range d.targets {
		if _, err := d.keepers[t.Name()].heldCtx(); err == nil {
			continue
		}
		if d.hasPendingWake(ctx, t) {
			continue
		}
		if _, err := d.relay(ctx, t, relayed{Kind: "wake"}); err != nil {
			d.log.Warn("wake not relayed to the target's holder", "target", t.Name(), "err", err)
		}
	}
}

func (d *Daemon) hasPendingWake(ctx context.Context, t *Target) bool {
	found := errors.New("found")
	err := t.opts.Store.List(ctx, t.relayPrefix(), "/", func(oi store.ObjectInfo) error {
		if strings.HasSuffix(oi.Key, "-wake.json") {
			return found
		}
		return nil
	})
	return errors.Is(err, found)
}

// takeRelayed carries out the requests relayed to t, oldest first (the
// holder's keeper calls it in ctx, the held lease's context).
func (d *Daemon) takeRelayed(ctx context.Context, t *Target) {
	log := d.log.With("target", t.Name())
	var keys []string
	err := t.opts.Store.List(ctx, t.relayPrefix(), "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix && strings.HasSuffix(oi.Key, ".json") {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("relayed requests not listed", "err", err)
		}
		return
	}
	slices.Sort(keys)
	woken := false
	for _, key := range keys {
		r, err := readRelayed(ctx, t.opts.Store, key)
		if derr := t.opts.Store.Delete(ctx, key); derr != nil {
			log.Warn("relayed request not deleted; left for the next renewal", "key", key, "err", derr)
			continue
		}
		id := strings.TrimSuffix(key[len(t.relayPrefix()):], ".json")
		switch {
		case err != nil:
			log.Warn("unreadable relayed request dropped", "request", id, "err", err)
		case time.Since(r.Created) > relayMaxAge:
			log.Warn("stale relayed request dropped", "request", id, "from", r.From, "created", r.Created)
		case r.Kind == "wake":
			if !woken {
				log.Info("woken by another replica", "request", id, "from", r.From)
				_ = d.Wake(ctx, "")
				woken = true
			}
		case r.Kind == "cancel" && r.Run != "":
			var err error
			if r.Build == 0 {
				err = d.CancelRun(ctx, t, r.Run, r.Reason)
			} else {
				err = d.CancelBuild(ctx, t, r.Run, r.Build, r.Reason)
			}
			if err != nil {
				log.Warn("relayed cancel refused", "request", id, "from", r.From, "run", r.Run, "build", r.Build, "err", err)
				continue
			}
			log.Info("relayed cancel done", "request", id, "from", r.From, "run", r.Run, "build", r.Build)
		case r.Kind == "run" && r.Request != nil:
			req := *r.Request
			req.By = strings.TrimSpace(req.By + " (relayed by " + r.From + ")")
			h, err := d.Trigger(ctx, t, req)
			if err != nil {
				log.Warn("relayed run request refused", "request", id, "from", r.From, "err", err)
				continue
			}
			log.Info("relayed run request started", "request", id, "from", r.From, "run", h.ID())
		default:
			log.Warn("relayed request of unknown kind dropped", "request", id, "kind", r.Kind)
		}
	}
}

func readRelayed(ctx context.Context, st store.Store, key string) (relayed, error) {
	var r relayed
	_, err := getJSON(ctx, st, key, 64<<10, &r)
	return r, err
}
