package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// failureRuns is how many of a target's newest runs the overview reads
// for its recent failures, failureMax how many failed builds it lists.
const (
	failureRuns = 5
	failureMax  = 10
)

// failureView is a failed build on the overview.
type failureView struct {
	ID     string // the build id, <run>:<n>
	Run    string
	Number int64
	Port   string // revisioned name
	Reason string
}

// recentFailures returns the failed builds of t's newest failureRuns
// runs, newest run first, at most failureMax. Per run one read: the
// engine's builds while the run is active, else its report.json (whose
// failed list has what the overview shows), else (a run that stopped
// before its report) its build records.
func recentFailures(ctx context.Context, t *daemon.Target) ([]failureView, error) {
	rd := t.Engine().Records()
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids) // run ids sort by their creation time
	var out []failureView
	add := func(id string, n int64, port, reason string) {
		if len(out) < failureMax {
			out = append(out, failureView{ID: buildID(id, n), Run: id, Number: n, Port: port, Reason: reason})
		}
	}
	for i := len(ids) - 1; i >= 0 && i >= len(ids)-failureRuns && len(out) < failureMax; i-- {
		id := ids[i]
		var builds []buildrun.Build
		if h, ok := t.Engine().Active(); ok && h.ID() == id {
			builds = h.Builds()
		} else {
			b, err := rd.File(ctx, id, "report.json")
			switch {
			case err == nil:
				var rp buildrun.Report
				if err := json.Unmarshal(b, &rp); err != nil {
					return nil, fmt.Errorf("run %s: report.json: %w", id, err)
				}
				for _, f := range rp.Failed {
					add(id, f.Number, f.Port, f.Reason)
				}
				continue
			case errors.Is(err, buildrun.ErrNotFound):
				if builds, err = rd.Builds(ctx, id); err != nil {
					return nil, err
				}
			default:
				return nil, err
			}
		}
		for _, b := range builds {
			if b.State == buildrun.BuildFailed {
				add(id, b.Number, b.Port.RevisionedName, b.Reason)
			}
		}
	}
	return out, nil
}
