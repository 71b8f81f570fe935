package repo

import (
	"context"
	"fmt"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// StaleTempAge is how long a store's temporary file (File: ".~kiln-tmp-*",
// left by a writer killed mid-upload) must have gone unmodified before
// Verify reports it and Prune removes it. A running writer keeps its temp
// file's modification time fresh, so it survives.
const StaleTempAge = time.Hour

// tempCleaner finds the TempCleaner under st's decorators, if any.
func tempCleaner(st store.Store) store.TempCleaner {
	for {
		if tc, ok := st.(store.TempCleaner); ok {
			return tc
		}
		u, ok := st.(store.Unwrapper)
		if !ok {
			return nil
		}
		st = u.Unwrap()
	}
}

// staleTemps lists (or, with remove, deletes) the target's stale temp files.
func (r *Repo) staleTemps(ctx context.Context, remove bool) ([]store.ObjectInfo, error) {
	tc := tempCleaner(r.st)
	if tc == nil {
		return nil, nil
	}
	found, err := tc.CleanTemps(ctx, r.target.prefix(), time.Now().Add(-StaleTempAge), remove)
	if err != nil {
		return found, fmt.Errorf("repo: temp files of %s: %w", r.target, err)
	}
	return found, nil
}
