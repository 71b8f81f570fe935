package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/buildrun"
)

// ErrUnfinished is returned by Resume with refuse set when the target has
// an unfinished run.
var ErrUnfinished = errors.New("daemon: unfinished run")

// Resume continues the target's unfinished run, if there is one (nil, nil
// if not). With refuse, an unfinished run is an error wrapping
// ErrUnfinished instead. A run driven by another live kiln wraps
// buildrun.ErrActive.
func (t *Target) Resume(ctx context.Context, refuse bool) (*buildrun.Handle, *buildrun.Run, error) {
	return t.resume(ctx, refuse, "")
}

// resume is Resume that takes over at once a run whose holder is dead (a
// replica whose scheduling lease this one took; see ResumeDead).
func (t *Target) resume(ctx context.Context, refuse bool, dead string) (*buildrun.Handle, *buildrun.Run, error) {
	runs, err := t.eng.Records().Runs(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, run := range runs {
		if run.State.Final() {
			continue
		}
		if refuse {
			return nil, run, fmt.Errorf("%w: run %s of %s is unfinished (%s); run kiln build without --no-resume to finish it", ErrUnfinished, run.ID, t.tg.Name(), run.State)
		}
		t.learnDurations(ctx)
		h, err := t.eng.ResumeDead(ctx, run.ID, dead)
		if errors.Is(err, buildrun.ErrActive) {
			return nil, run, fmt.Errorf("run %s is being driven by another kiln: %w", run.ID, err)
		}
		if err != nil {
			return nil, run, err
		}
		t.log.Info("resuming run", "target", t.tg.Name(), "run", run.ID, "started", run.Started)
		return h, run, nil
	}
	return nil, nil, nil
}
