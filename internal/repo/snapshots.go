package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// SnapshotInfo summarises a stored snapshot.
type SnapshotInfo struct {
	ID           string    `json:"id"`
	Parent       string    `json:"parent,omitempty"`
	Created      time.Time `json:"created"`
	Reason       string    `json:"reason,omitempty"`
	RolledBackTo string    `json:"rolledBackTo,omitempty"`
	Packages     int       `json:"packages"`
	RepoSHA256   string    `json:"repoSHA256"`
	Head         bool      `json:"head,omitempty"`
	// InHistory: the snapshot was the head at some time (it is on the
	// parent chain from the head); others are leftovers of failed publishes.
	InHistory bool   `json:"inHistory"`
	Err       error  `json:"-"`               // the manifest could not be read
	Error     string `json:"error,omitempty"` // Err as text
}

func summarize(m *Manifest) SnapshotInfo {
	return SnapshotInfo{ID: m.ID, Parent: m.Parent, Created: m.Created, Reason: m.Reason, RolledBackTo: m.RolledBackTo, Packages: len(m.Packages), RepoSHA256: m.RepoSHA256}
}

// SnapshotIDs lists the ids of the snapshots stored under .kiln/snapshots/
// in key order (oldest first), with one delimited listing and without
// reading any manifest.
func (r *Repo) SnapshotIDs(ctx context.Context) ([]string, error) { return r.snapshotIDs(ctx) }

// snapshotIDs lists the snapshot ids stored under .kiln/snapshots/.
func (r *Repo) snapshotIDs(ctx context.Context) ([]string, error) {
	var ids []string
	p := r.l.snapshotsPrefix()
	err := r.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if oi.IsPrefix {
			ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(oi.Key, p), "/"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("repo: list snapshots of %s: %w", r.target, err)
	}
	return ids, nil
}

// loadAll reads the head and every stored snapshot's manifest. Snapshots
// whose manifest is missing or unreadable are returned in bad (id → error).
// chain is the head history (head first) following parent links.
type loaded struct {
	head   *Head
	byID   map[string]*Manifest
	bad    map[string]error
	chain  []*Manifest
	inHist map[string]bool
}

func (r *Repo) loadAll(ctx context.Context) (*loaded, error) {
	ld := &loaded{byID: map[string]*Manifest{}, bad: map[string]error{}, inHist: map[string]bool{}}
	h, err := r.ReadHead(ctx)
	if err != nil && !errors.Is(err, ErrNoHead) {
		return nil, err
	}
	ld.head = h
	ids, err := r.snapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		m, err := r.Manifest(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ld.bad[id] = err
			continue
		}
		ld.byID[id] = m
	}
	if h != nil {
		for id := h.Snapshot; id != "" && !ld.inHist[id]; {
			m, ok := ld.byID[id]
			if !ok {
				break
			}
			ld.chain = append(ld.chain, m)
			ld.inHist[id] = true
			id = m.Parent
		}
	}
	return ld, nil
}

// Snapshots lists every stored snapshot, newest first.
func (r *Repo) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	ld, err := r.loadAll(ctx)
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for id, m := range ld.byID {
		s := summarize(m)
		s.Head = ld.head != nil && ld.head.Snapshot == id
		s.InHistory = ld.inHist[id]
		out = append(out, s)
	}
	for id, err := range ld.bad {
		out = append(out, SnapshotInfo{ID: id, Err: err, Error: err.Error()})
	}
	slices.SortFunc(out, func(a, b SnapshotInfo) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Diff is the difference between two snapshots.
type Diff struct {
	From    string       `json:"from"`
	To      string       `json:"to"`
	Added   []Package    `json:"added,omitempty"`   // names only in To
	Removed []Package    `json:"removed,omitempty"` // names only in From
	Changed [][2]Package `json:"changed,omitempty"` // same name, other file
}

// DiffManifests compares two manifests by package name.
func DiffManifests(a, b *Manifest) Diff {
	d := Diff{From: a.ID, To: b.ID}
	an := map[string]Package{}
	for _, p := range a.Packages {
		an[p.Info.Name] = p
	}
	bn := map[string]bool{}
	for _, p := range b.Packages {
		bn[p.Info.Name] = true
		o, ok := an[p.Info.Name]
		switch {
		case !ok:
			d.Added = append(d.Added, p)
		case o.File != p.File || o.SHA256 != p.SHA256:
			d.Changed = append(d.Changed, [2]Package{o, p})
		}
	}
	for _, p := range a.Packages {
		if !bn[p.Info.Name] {
			d.Removed = append(d.Removed, p)
		}
	}
	return d
}

// ResolveSnapshot accepts a snapshot id, "head"/"current", or "head~N"
// (N steps back along the head history).
func (r *Repo) ResolveSnapshot(ctx context.Context, name string) (*Manifest, error) {
	base, back, hasBack := strings.Cut(name, "~")
	if base == "head" || base == "current" {
		_, m, err := r.Current(ctx)
		if err != nil {
			return nil, err
		}
		n := 0
		if hasBack {
			if _, err := fmt.Sscanf(back, "%d", &n); err != nil || n < 0 {
				return nil, fmt.Errorf("%w: bad snapshot name %q", ErrSnapshotNotFound, name)
			}
		}
		for ; n > 0; n-- {
			if m.Parent == "" {
				return nil, fmt.Errorf("%w: %s goes back past the first snapshot", ErrSnapshotNotFound, name)
			}
			if m, err = r.Manifest(ctx, m.Parent); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	return r.Manifest(ctx, name)
}
