// Package mirror copies kiln targets from one store to another (a second
// provider), in the same layout and with the same head, so that the copy
// can be served, verified and published to as the original could.
//
// A pass over a target copies what the destination lacks, in the order a
// publish writes (docs/repository.md), so that a crash at any point leaves
// the destination's head naming a complete snapshot whose packages exist:
//
//  1. package files (current/packages/) of every retained snapshot and
//     build-packages repository, each checked against its manifest's size
//     and SHA-256 while it streams (a mismatch never lands);
//  2. each snapshot's files (.kiln/snapshots/ID/), manifest.json last, and
//     each build-packages repository's, manifest.json last;
//  3. head.json, the source's bytes, by compare-and-swap;
//  4. current/ from the head snapshot's files, repo.sha256 last;
//  5. with Options.Delete, what the source no longer holds is removed.
//
// An object the destination already holds counts as present only when its
// size and SHA-256 are the manifest's: it is read and hashed (S3 ETags are
// MD5s or multipart composites and the file store's are random tokens, so
// no store tells a SHA-256 for free). A snapshot whose manifest.json the
// destination has (the same size as the source's) was complete when that
// manifest was written, so its packages are trusted by size and not read
// again; Options.Deep re-reads and re-hashes everything. A run on an
// up-to-date destination therefore costs a few listings and Stats per
// target and copies nothing; a rerun after a crash copies only what is
// missing (and hashes what an interrupted run left without a manifest).
//
// The destination's target lease is held while writing. A destination
// whose head names a snapshot the source does not have was published to,
// not mirrored: ErrDiverged, nothing written.
package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// Sentinel errors.
var (
	// ErrDiverged: the destination holds a repository that is not a copy
	// of the source (its head is not a source snapshot, or it holds a
	// repository kiln did not publish); the mirror writes nothing there.
	ErrDiverged = errors.New("mirror: destination is not a mirror of the source")
	// ErrSourceCorrupt: a source object does not match its manifest (size
	// or SHA-256); it is not copied (kiln repo verify --deep the source).
	ErrSourceCorrupt = errors.New("mirror: source object does not match its manifest")
	// ErrNoTargets: the source holds no kiln target to mirror.
	ErrNoTargets = errors.New("mirror: no kiln target in the source")
)

// Options configure Mirror. Zero values select the defaults.
type Options struct {
	// Root is the key prefix of the targets, the same in both stores.
	Root string
	// Targets to mirror; empty: every target of the source with a kiln
	// head (targets holding only a HaikuPorter repository are skipped and
	// reported).
	Targets []repo.Target
	// Deep re-reads and re-hashes every object the destination has, also
	// those of snapshots it completed earlier.
	Deep bool
	// Delete removes from the destination, after its head and current/
	// are in step, the snapshots and build-packages repositories the
	// source no longer holds (its prune removed them) and the package
	// files no snapshot left at the destination lists, so the mirror
	// follows the source's retention (see deleteGone).
	Delete bool
	// Concurrency bounds parallel package copies and checks (default 4).
	Concurrency int
	// Progress, if set, is told how a target's pass advances (serialised,
	// from copying goroutines; must not block for long).
	Progress func(Progress)
	// Logger (default: discard).
	Logger *slog.Logger
	// LeaseWait is how long to wait for the destination target's lease
	// (default 5m); OnLeaseWait as in repo.Options.
	LeaseWait   time.Duration
	OnLeaseWait func(repo.LeaseInfo)
	// Holder names this mirror in the destination's lease (default
	// host:pid:random).
	Holder string
}

// Count is a number of objects and their bytes.
type Count struct {
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

func (c *Count) add(n int64) { c.Objects++; c.Bytes += n }

// TargetResult is what a pass did to one target.
type TargetResult struct {
	Target string `json:"target"`
	// Head is the snapshot the destination's head names afterwards;
	// PreviousHead what it named before ("" for none).
	Head         string `json:"head"`
	PreviousHead string `json:"previousHead,omitempty"`
	// Snapshots and BuildPackages are the retained ones of the source, all
	// present at the destination afterwards; NewSnapshots were copied.
	Snapshots     int `json:"snapshots"`
	NewSnapshots  int `json:"newSnapshots"`
	BuildPackages int `json:"buildPackages,omitempty"`
	// Copied: objects written (packages, snapshot files, head, current/);
	// Replaced counts those among them that existed with other content.
	Copied   Count `json:"copied"`
	Replaced int   `json:"replaced,omitempty"`
	// Present: objects already there and checked; Hashed counts those
	// among them that were read and hashed to be checked.
	Present Count `json:"present"`
	Hashed  Count `json:"hashed"`
	// Deleted: objects removed because the source no longer holds them
	// (Options.Delete).
	Deleted Count `json:"deleted,omitzero"`
	// Skipped says why a target was not mirrored ("" when it was).
	Skipped string `json:"skipped,omitempty"`
}

// Result is what Mirror did, per target in key order.
type Result struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	Targets []TargetResult `json:"targets"`
}

// Copied sums the objects and bytes written over all targets.
func (r *Result) Copied() Count {
	var c Count
	for _, t := range r.Targets {
		c.Objects += t.Copied.Objects
		c.Bytes += t.Copied.Bytes
	}
	return c
}

// Mirror brings dst in step with src for each target (see the package
// doc). It returns the result so far with the first error; targets after a
// failed one are still attempted, and the error names every failed target.
func Mirror(ctx context.Context, src, dst store.Store, o Options) (*Result, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	res := &Result{From: src.String(), To: dst.String()}
	targets := o.Targets
	if len(targets) == 0 {
		found, err := repo.FindTargets(ctx, src, o.Root)
		if err != nil {
			return res, fmt.Errorf("mirror: find targets in %s: %w", src, err)
		}
		for _, f := range found {
			if !f.Kiln {
				res.Targets = append(res.Targets, TargetResult{Target: f.Target.String(),
					Skipped: "holds a repository kiln did not publish (kiln repo import it first)"})
				continue
			}
			targets = append(targets, f.Target)
		}
		if len(targets) == 0 {
			return res, fmt.Errorf("%w at %s", ErrNoTargets, src)
		}
	}
	var errs []error
	for _, t := range targets {
		t.Root = o.Root
		tr, err := mirrorTarget(ctx, src, dst, t, o)
		res.Targets = append(res.Targets, tr)
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			errs = append(errs, fmt.Errorf("mirror %s: %w", t, err))
		}
	}
	return res, errors.Join(errs...)
}
