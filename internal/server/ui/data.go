package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// runBuilds returns the builds of run id of target t: the engine's live
// view while the run is active there, else the records.
func runBuilds(ctx context.Context, t *daemon.Target, id string) ([]buildrun.Build, error) {
	if h, ok := t.Engine().Active(); ok && h.ID() == id {
		return h.Builds(), nil
	}
	return t.Engine().Records().Builds(ctx, id)
}

// findRun finds the target holding run id; (nil, nil, nil) if none does.
func (u *UI) findRun(ctx context.Context, id string) (*daemon.Target, *buildrun.Run, error) {
	for _, t := range u.d.Targets() {
		run, err := t.Engine().Records().Run(ctx, id)
		if errors.Is(err, buildrun.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		return t, run, nil
	}
	return nil, nil, nil
}

// buildID is a build's id as the API names it: "<run id>:<number>".
func buildID(run string, n int64) string { return run + ":" + strconv.FormatInt(n, 10) }

// parseBuildID splits "<run id>:<number>", checking both parts.
func parseBuildID(id string) (string, int64, error) {
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("build id %q: want <run id>:<build number>", id)
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil || n < 1 || !validRunID(id[:i]) {
		return "", 0, fmt.Errorf("build id %q: want <run id>:<build number>", id)
	}
	return id[:i], n, nil
}

// validRunID: what buildrun's run ids may contain (letters, digits, '.',
// '-'; at most 64, not starting with '.'), checked before any lookup.
func validRunID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// buildStates are the build states in the order pages list them.
var buildStates = []buildrun.BuildState{
	buildrun.BuildRunning, buildrun.BuildQueued, buildrun.BuildBlocked, buildrun.BuildSucceeded,
	buildrun.BuildFailed, buildrun.BuildLost, buildrun.BuildSkipped, buildrun.BuildCancelled,
}

// runStates are the run states, for the runs filter.
var runStates = []buildrun.RunState{buildrun.RunRunning, buildrun.RunComplete, buildrun.RunFailed, buildrun.RunCancelled, buildrun.RunError}

// counts are a run's builds by state.
type counts struct {
	Total, Done                                 int
	Running, Queued, Blocked                    int
	Succeeded, Failed, Lost, Skipped, Cancelled int
}

func countBuilds(bs []buildrun.Build) counts {
	var c counts
	for _, b := range bs {
		c.Total++
		switch b.State {
		case buildrun.BuildRunning:
			c.Running++
		case buildrun.BuildQueued:
			c.Queued++
		case buildrun.BuildBlocked:
			c.Blocked++
		case buildrun.BuildSucceeded:
			c.Succeeded++
		case buildrun.BuildFailed:
			c.Failed++
		case buildrun.BuildLost:
			c.Lost++
		case buildrun.BuildSkipped:
			c.Skipped++
		case buildrun.BuildCancelled:
			c.Cancelled++
		}
		if b.State.Final() {
			c.Done++
		}
	}
	return c
}
