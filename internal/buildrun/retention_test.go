package buildrun

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

func TestPruneRuns(t *testing.T) {
	ports := synthGraph(t, 3, 1)
	e := newEnv(t, openFileStore(t), ports)
	_, bs := fakes(t, 1, ports)
	ctx := context.Background()
	// Four runs: the first publishes; the others have nothing to do
	// after it (their plans are empty), but are recorded.
	var ids []string
	for i := range 4 {
		opts := e.options(bs)
		if i > 0 {
			opts.Publish = PublishNever
		}
		run, _ := runAll(t, e, opts)
		ids = append(ids, run.ID)
		time.Sleep(1100 * time.Millisecond) // run ids have a one-second resolution
	}
	later := func() time.Time { return time.Now().Add(365 * 24 * time.Hour) }
	res, err := PruneRuns(ctx, e.st, e.repo, RetentionOptions{KeepRuns: 1, Now: later, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// Kept: the first (its snapshot is stored) and the newest.
	if !slices.Equal(res.Kept, []string{ids[0], ids[3]}) || !slices.Equal(res.Deleted, []string{ids[1], ids[2]}) {
		t.Fatalf("kept %v deleted %v (runs %v)", res.Kept, res.Deleted, ids)
	}
	if _, err := PruneRuns(ctx, e.st, e.repo, RetentionOptions{KeepRuns: 1, Now: later}); err != nil {
		t.Fatal(err)
	}
	left, err := NewReader(e.st, e.repo).RunIDs(ctx)
	if err != nil || !slices.Equal(left, []string{ids[0], ids[3]}) {
		t.Errorf("left %v %v", left, err)
	}
	// An unfinished run (one waiting to be resumed, years old, not the
	// newest) is kept whatever the rules: [retention] and kiln runs prune
	// never delete a run in progress.
	rd := NewReader(e.st, e.repo)
	run, err := rd.Run(ctx, ids[3])
	if err != nil {
		t.Fatal(err)
	}
	const unfinished = "20200101T000000.000Z-abcdef"
	run.ID, run.State, run.Snapshots = unfinished, RunRunning, nil
	run.Started = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Put(ctx, newLayout(e.repo).runRecord(unfinished), bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = PruneRuns(ctx, e.st, e.repo, RetentionOptions{KeepRuns: 1, KeepAge: -1, Now: later})
	if err != nil || !slices.Contains(res.Kept, unfinished) || slices.Contains(res.Deleted, unfinished) {
		t.Errorf("unfinished run: %+v %v", res, err)
	}
	// Young runs are kept by age.
	res, err = PruneRuns(ctx, e.st, e.repo, RetentionOptions{KeepRuns: 1, KeepAge: time.Hour, DryRun: true})
	if err != nil || len(res.Deleted) != 0 {
		t.Errorf("by age: %+v %v", res, err)
	}
}
