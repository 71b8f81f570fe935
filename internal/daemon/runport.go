package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
)

// RunHasPort reports whether run of t built, or tried to build, a port
// whose revisioned name contains q (lower case): from the engine's
// builds while the run is active there, else from the run's report.json
// (built, failed, lost and skipped ports: one read), else (a run that
// stopped before its report) from its build records.
func (t *Target) RunHasPort(ctx context.Context, run *buildrun.Run, q string) (bool, error) {
	match := func(name string) bool { return strings.Contains(strings.ToLower(name), q) }
	for _, p := range run.Trigger.Ports {
		if match(p) {
			return true, nil
		}
	}
	var builds []buildrun.Build
	if h, ok := t.Engine().Active(); ok && h.ID() == run.ID {
		builds = h.Builds()
	} else {
		rd := t.Engine().Records()
		b, err := rd.File(ctx, run.ID, "report.json")
		switch {
		case err == nil:
			var rp buildrun.Report
			if err := json.Unmarshal(b, &rp); err != nil {
				return false, fmt.Errorf("run %s: report.json: %w", run.ID, err)
			}
			for _, l := range [][]buildrun.ReportBuild{rp.Built, rp.Failed, rp.Lost} {
				for _, e := range l {
					if match(e.Port) {
						return true, nil
					}
				}
			}
			for _, e := range rp.Skipped {
				if match(e.Port) {
					return true, nil
				}
			}
			return false, nil
		case errors.Is(err, buildrun.ErrNotFound):
			if builds, err = rd.Builds(ctx, run.ID); err != nil {
				return false, err
			}
		default:
			return false, err
		}
	}
	for _, b := range builds {
		if match(b.Port.RevisionedName) {
			return true, nil
		}
	}
	for _, s := range run.Skipped {
		if match(s.Port.RevisionedName) {
			return true, nil
		}
	}
	return false, nil
}
