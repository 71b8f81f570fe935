package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// Processed is the tree commit a target's runs have caught up with
// (HaikuPorter's processed_rev): the daemon plans update runs from it.
// It is kept in the store at <branch>/<arch>/.kiln/processed.json.
type Processed struct {
	Commit string    `json:"commit"`
	Run    string    `json:"run,omitempty"` // the run that processed it ("" when nothing needed building)
	Time   time.Time `json:"time"`
}

func (t *Target) processedKey() string { return t.kilnKey("processed.json") }

// Processed reads the target's processed commit (zero when none is
// recorded).
func (t *Target) Processed(ctx context.Context) (Processed, error) {
	var p Processed
	_, err := getJSON(ctx, t.opts.Store, t.processedKey(), 64<<10, &p)
	if errors.Is(err, store.ErrNotFound) {
		return Processed{}, nil
	}
	return p, err
}

// SetProcessed records the target's processed commit.
func (t *Target) SetProcessed(ctx context.Context, p Processed) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.opts.Store.Put(ctx, t.processedKey(), bytes.NewReader(b), int64(len(b)), store.PutOptions{ContentType: "application/json"})
	return err
}
