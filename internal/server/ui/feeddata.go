package ui

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// feedEntry is one entry of the failure feed: a failed build, a lost
// build (a dependency failed) or a port the run did not build (skipped:
// broken, blocked, its outputs already published).
type feedEntry struct {
	Target string
	Run    string
	// Build is the build's number; 0 for a skipped port (the plan's, or
	// a build the report lists by port only).
	Build     int64
	Port      string // revisioned name
	State     string // failed, lost, skipped, or the planner's state (broken, blocked, …)
	Reason    string
	Builder   string
	Attempts  int
	LostChain []string
	Time      time.Time // when the build ended (a skipped port: when its run ended or started)
}

// feedRunsScanned bounds how many of a target's newest runs a feed
// request reads (one run.json and one report.json each, plus the build
// records of at most the feed's length).
const feedRunsScanned = 50

// failures returns the newest at most limit failures of t, newest first.
// It reads the target's run ids (one listing), then from the newest run
// on each run's report (the active run: the engine's records in memory)
// and the build records of its failed and lost builds, until limit
// entries are found or feedRunsScanned runs were read.
func feedEntries(ctx context.Context, t *daemon.Target, limit int) ([]feedEntry, error) {
	rd := t.Engine().Records()
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []feedEntry
	for i := len(ids) - 1; i >= 0 && i >= len(ids)-feedRunsScanned && len(out) < limit; i-- {
		fs, err := runFeedEntries(ctx, t, rd, ids[i], limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	sortFeed(out)
	return out, nil
}

// sortFeed orders newest first; ties by run, then build number.
func sortFeed(fs []feedEntry) {
	slices.SortStableFunc(fs, func(a, b feedEntry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Run, a.Run); c != 0 {
			return c
		}
		return cmp.Compare(a.Build, b.Build)
	})
}

// runFeedEntries returns at most limit failures of run id.
func runFeedEntries(ctx context.Context, t *daemon.Target, rd *buildrun.Reader, id string, limit int) ([]feedEntry, error) {
	run, err := rd.Run(ctx, id)
	if errors.Is(err, buildrun.ErrNotFound) {
		return nil, nil // a start that crashed before its record
	}
	if err != nil {
		return nil, err
	}
	runTime := run.Ended
	if runTime.IsZero() {
		runTime = run.Started
	}
	var builds []buildrun.Build
	var skipped []buildrun.ReportSkip
	if a, ok := t.Engine().Active(); ok && a.ID() == id {
		// As the report will have them: skipped builds by port.
		for _, b := range a.Builds() {
			if b.State == buildrun.BuildSkipped {
				skipped = append(skipped, buildrun.ReportSkip{Port: b.Port.RevisionedName, State: string(b.State), Reason: b.Reason})
			} else {
				builds = append(builds, b)
			}
		}
		for _, sk := range run.Skipped {
			skipped = append(skipped, buildrun.ReportSkip{Port: sk.Port.RevisionedName, State: sk.State, Reason: sk.Reason})
		}
	} else {
		builds, skipped, err = reportedFailures(ctx, rd, id, limit)
		if err != nil {
			return nil, err
		}
	}
	var out []feedEntry
	for _, b := range builds {
		switch b.State {
		case buildrun.BuildFailed, buildrun.BuildLost:
		default:
			continue
		}
		f := feedEntry{Target: t.Name(), Run: id, Build: b.Number, Port: b.Port.RevisionedName, State: string(b.State),
			Reason: b.Reason, Builder: b.Builder, Attempts: len(b.Attempts), LostChain: b.LostChain, Time: b.Ended}
		if f.Time.IsZero() {
			f.Time = runTime
		}
		out = append(out, f)
	}
	for _, sk := range skipped {
		out = append(out, feedEntry{Target: t.Name(), Run: id, Port: sk.Port, State: sk.State, Reason: sk.Reason, Time: runTime})
	}
	sortFeed(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// reportedFailures reads a finished run's report.json and the records of
// its failed and lost builds (at most limit of them); the report's
// skipped ports are returned as they are (build records of skipped
// builds are not read: the report has what the feed shows). A run
// without a report (it stopped before writing one) has all its build
// records read.
func reportedFailures(ctx context.Context, rd *buildrun.Reader, id string, limit int) ([]buildrun.Build, []buildrun.ReportSkip, error) {
	b, err := rd.File(ctx, id, "report.json")
	if errors.Is(err, buildrun.ErrNotFound) {
		builds, err := rd.Builds(ctx, id)
		return builds, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	var rp buildrun.Report
	if err := json.Unmarshal(b, &rp); err != nil {
		return nil, nil, fmt.Errorf("run %s: report.json: %w", id, err)
	}
	var nums []int64
	for _, e := range append(rp.Failed, rp.Lost...) {
		nums = append(nums, e.Number)
	}
	if len(nums) > limit {
		slices.Sort(nums) // the first builds of the run: the chains' roots
		nums = nums[:limit]
	}
	out := make([]buildrun.Build, len(nums))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, n := range nums {
		g.Go(func() error {
			b, err := rd.Build(gctx, id, n)
			if err != nil {
				return err
			}
			out[i] = *b
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return out, rp.Skipped, nil
}
