package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// Head is .kiln/head.json: the pointer to a target's current snapshot.
type Head struct {
	Schema     int       `json:"schema"`
	Snapshot   string    `json:"snapshot"`
	RepoSHA256 string    `json:"repoSHA256"`
	Updated    time.Time `json:"updated"`
	Holder     string    `json:"holder,omitempty"` // who moved it
	etag       string
}

// ETag is the store ETag the head was read with ("" for no head).
func (h *Head) ETag() string { return h.etag }

// ReadHead reads the head pointer; ErrNoHead if the target is empty.
func (r *Repo) ReadHead(ctx context.Context) (*Head, error) {
	b, oi, err := getSmall(ctx, r.st, r.l.head(), 1<<20)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNoHead, r.target, r.st)
	}
	if err != nil {
		return nil, fmt.Errorf("repo: read head of %s: %w", r.target, err)
	}
	h, err := parseHead(b, r.l.head())
	if err != nil {
		return nil, err
	}
	h.etag = oi.ETag
	return h, nil
}

// moveHead moves the head from old (nil: no head yet) to the snapshot m by
// compare-and-swap. A failed swap whose retry actually landed is detected by
// re-reading the head.
func (r *Repo) moveHead(ctx context.Context, old *Head, m *Manifest) (*Head, error) {
	h := Head{Schema: ManifestSchema, Snapshot: m.ID, RepoSHA256: m.RepoSHA256, Updated: r.now(), Holder: r.opts.Holder}
	b, err := json.MarshalIndent(&h, "", " ")
	if err != nil {
		return nil, err
	}
	opts := store.PutOptions{IfNoneMatch: true, ContentType: "application/json"}
	if old != nil {
		opts = store.PutOptions{IfMatch: old.etag, ContentType: "application/json"}
	}
	oi, err := putBytes(ctx, r.st, r.l.head(), append(b, '\n'), opts)
	if err == nil {
		h.etag = oi.ETag
		return &h, nil
	}
	if errors.Is(err, store.ErrPreconditionFailed) {
		cur, rerr := r.ReadHead(ctx)
		if rerr == nil && cur.Snapshot == m.ID {
			return cur, nil // our write landed; its response was lost
		}
		return nil, fmt.Errorf("%w: %s head is no longer %s", ErrConflict, r.target, headName(old))
	}
	return nil, fmt.Errorf("repo: move head of %s to %s: %w", r.target, m.ID, err)
}

func headName(h *Head) string {
	if h == nil {
		return "(none)"
	}
	return h.Snapshot
}

// ParseHead reads the bytes of a head.json (key names it in errors) with
// the checks ReadHead applies; tools that copy heads verbatim (the mirror)
// parse what they copy.
func ParseHead(b []byte, key string) (*Head, error) { return parseHead(b, key) }
