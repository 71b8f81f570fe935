package buildrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// RetentionOptions say which runs' records and logs to keep. A run is
// kept when any rule keeps it; zero values select the defaults.
type RetentionOptions struct {
	// KeepRuns keeps the newest runs (default 50).
	KeepRuns int
	// KeepAge keeps runs started more recently (default 30 days;
	// negative: none for its age).
	KeepAge time.Duration
	// DryRun reports without deleting.
	DryRun bool
	// Now is the current time (default time.Now).
	Now func() time.Time
}

// RetentionResult says what PruneRuns kept and deleted (or would delete).
type RetentionResult struct {
	Kept    []string `json:"kept"`
	Deleted []string `json:"deleted,omitempty"`
	Objects int      `json:"objects"` // objects deleted
	DryRun  bool     `json:"dryRun,omitempty"`
}

// PruneRuns deletes the records and logs of old runs of r's target in
// st. Always kept, whatever the options: unfinished runs (the current
// one, or one waiting to be resumed) and runs that published a snapshot
// the repository still stores (the history of a retained snapshot must
// stay explainable). A run directory without a run record (a start that
// crashed) is deleted once it is older than KeepAge.
func PruneRuns(ctx context.Context, st store.Store, r *repo.Repo, o RetentionOptions) (*RetentionResult, error) {
	if o.KeepRuns <= 0 {
		o.KeepRuns = 50
	}
	if o.KeepAge == 0 {
		o.KeepAge = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	rd := NewReader(st, r)
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return nil, err
	}
	snaps, err := r.Snapshots(ctx)
	if err != nil {
		return nil, fmt.Errorf("buildrun: retention: %w", err)
	}
	stored := map[string]bool{}
	for _, s := range snaps {
		stored[s.ID] = true
	}
	now := o.Now()
	res := &RetentionResult{DryRun: o.DryRun}
	for i, id := range ids {
		newest := len(ids)-i <= o.KeepRuns
		run, err := rd.Run(ctx, id)
		started, perr := time.Parse("20060102T150405Z", strings.SplitN(id, "-", 2)[0])
		var keep bool
		switch {
		case err != nil && !isNotFoundErr(err):
			return nil, err
		case err != nil: // no run record
			keep = perr == nil && (o.KeepAge < 0 || now.Sub(started) < o.KeepAge) || perr != nil
		default:
			keep = newest || !run.State.Final() || o.KeepAge > 0 && now.Sub(run.Started) < o.KeepAge
			for _, s := range run.Snapshots {
				keep = keep || stored[s]
			}
		}
		if keep {
			res.Kept = append(res.Kept, id)
			continue
		}
		res.Deleted = append(res.Deleted, id)
		if o.DryRun {
			continue
		}
		n, err := deletePrefix(ctx, st, newLayout(r).run(id))
		res.Objects += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// deletePrefix deletes every object under prefix, the run record
// (run.json) last, so that an interrupted deletion leaves a run that is
// still listed and deleted by the next prune.
func deletePrefix(ctx context.Context, st store.Store, prefix string) (int, error) {
	var keys []string
	if err := st.List(ctx, prefix, "", func(oi store.ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("buildrun: list %s: %w", prefix, err)
	}
	var last string
	n := 0
	for _, k := range keys {
		if k == prefix+"run.json" {
			last = k
			continue
		}
		if err := st.Delete(ctx, k); err != nil {
			return n, fmt.Errorf("buildrun: delete %s: %w", k, err)
		}
		n++
	}
	if last != "" {
		if err := st.Delete(ctx, last); err != nil {
			return n, fmt.Errorf("buildrun: delete %s: %w", last, err)
		}
		n++
	}
	return n, nil
}
