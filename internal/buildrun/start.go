package buildrun

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/store"
)

// Request is what Start runs.
type Request struct {
	// Plan is the planner's plan for the target; its Order is built.
	Plan    *plan.Plan
	Trigger Trigger
	Tree    Tree
}

// Start records a new run of req and starts it in the background; ctx
// bounds the run's life (cancelling it stops the run as a crash would,
// leaving it resumable). It returns once the records are written.
func (e *Engine) Start(ctx context.Context, req Request) (*Handle, error) {
	if req.Plan == nil {
		return nil, fmt.Errorf("%w: no plan", ErrPlan)
	}
	if req.Tree.Commit == "" {
		return nil, fmt.Errorf("%w: no ports tree commit", ErrPlan)
	}
	if h, ok := e.Active(); ok {
		return nil, fmt.Errorf("%w: run %s is running", ErrBusy, h.ID())
	}
	now := e.opts.Now().UTC()
	run := &Run{Schema: RecordSchema, ID: newRunID(now), Target: e.opts.Target.String(), Trigger: req.Trigger,
		Tree: req.Tree, State: RunRunning, Publish: e.opts.Publish, Created: now, Started: now,
		Holder: e.opts.Holder, Heartbeat: now, Builds: []int64{}}
	inRun := make(map[string]bool, len(req.Plan.Order))
	for _, id := range req.Plan.Order {
		inRun[id] = true
	}
	var builds []*Build
	var err error
	for _, id := range req.Plan.Order {
		pp := req.Plan.Port(id)
		if pp == nil || pp.Port() == nil {
			return nil, fmt.Errorf("%w: port %s is in the order but has no verdict", ErrPlan, id)
		}
		if len(pp.Outputs) == 0 {
			return nil, fmt.Errorf("%w: port %s produces nothing", ErrPlan, id)
		}
		p := pp.Port()
		b := &Build{Schema: RecordSchema, Run: run.ID, State: BuildQueued, Queued: now,
			Port:    portRef(p.Name, p.Version, p.Revision, p.RecipePath),
			Outputs: slices.Clone(pp.Outputs), Uses: slices.Clone(pp.Uses)}
		if b.OutputInfos, err = builder.OutputInfos(p, pp.Outputs); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPlan, err)
		}
		for _, n := range pp.Needs {
			if inRun[n] && n != id {
				b.Needs = append(b.Needs, n)
			}
		}
		if len(b.Needs) > 0 {
			b.State, b.Waiting = BuildBlocked, slices.Clone(b.Needs)
		}
		builds = append(builds, b)
	}
	for _, pp := range req.Plan.Ports {
		if pp.State == plan.StateBuild || pp.State == plan.StateUpToDate {
			continue
		}
		sk := Skipped{State: string(pp.State), Reason: pp.Reason, Outputs: pp.Outputs}
		if p := pp.Port(); p != nil {
			sk.Port = portRef(p.Name, p.Version, p.Revision, p.RecipePath)
		} else {
			sk.Port = PortRef{Name: pp.Name, Version: pp.Version, RevisionedName: pp.ID}
		}
		run.Skipped = append(run.Skipped, sk)
	}
	for _, u := range req.Plan.Unknown {
		run.Skipped = append(run.Skipped, Skipped{Port: PortRef{Name: u.Spec}, State: "unknown", Reason: u.Reason})
	}
	first, err := allocateNumbers(ctx, e.opts.Store, e.l.buildNumber(), len(builds))
	if err != nil {
		return nil, err
	}
	for i, b := range builds {
		b.Number = first + int64(i)
		run.Builds = append(run.Builds, b.Number)
	}
	// Build records first, the run record last: a run record always has
	// all its builds.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, b := range builds {
		g.Go(func() error { return putJSON(gctx, e.opts.Store, e.l.build(run.ID, b.Number), b) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	etag, err := e.putRun(ctx, run, "")
	if err != nil {
		return nil, err
	}
	if err := writeRunIndex(ctx, e.opts.Store, e.Records(), e.l, run.ID); err != nil {
		// Only the old frontend reads the index: the run goes on.
		e.log.Warn("run index not written", "run", run.ID, "err", err)
	}
	r, err := newRunner(ctx, e, run, builds, false, etag)
	if err != nil {
		return nil, err
	}
	e.log.Info("run started", "run", run.ID, "builds", len(builds), "skipped", len(run.Skipped))
	return e.begin(ctx, r)
}

func portRef(name, version string, revision uint32, recipePath string) PortRef {
	rev := strconv.FormatUint(uint64(revision), 10)
	return PortRef{Name: name, Version: version, Revision: rev, RevisionedName: name + "-" + version + "-" + rev, RecipeFilePath: recipePath}
}

// Resume continues a run that stopped without finishing (kiln was
// stopped or crashed, or the run stopped with an error): finished builds
// stay as they are, running builds are requeued, and the rest is built
// and published as Start would. It refuses a finished run (ErrFinished)
// and a run whose heartbeat another process renewed within HeartbeatTTL
// (ErrActive). The run record is taken over compare-and-swap (cas.go):
// of two processes resuming a run at once one gets ErrActive, and one
// that drove it until then stops with ErrTakenOver.
func (e *Engine) Resume(ctx context.Context, id string) (*Handle, error) {
	return e.ResumeDead(ctx, id, "")
}

// ResumeDead is Resume that also takes over a run whose fresh heartbeat
// is that of dead, a holder known to have stopped (a daemon took over
// the scheduling lease dead let expire), without waiting for
// HeartbeatTTL.
func (e *Engine) ResumeDead(ctx context.Context, id, dead string) (*Handle, error) {
	if h, ok := e.Active(); ok {
		return nil, fmt.Errorf("%w: run %s is running", ErrBusy, h.ID())
	}
	rd := e.Records()
	run, etag, err := e.readRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.State.Final() {
		return nil, fmt.Errorf("%w: run %s is %s", ErrFinished, id, run.State)
	}
	now := e.opts.Now().UTC()
	if run.Holder != e.opts.Holder && (dead == "" || run.Holder != dead) && run.Heartbeat.Add(e.opts.HeartbeatTTL).After(now) {
		return nil, fmt.Errorf("%w: run %s (holder %s, heartbeat %s)", ErrActive, id, run.Holder, run.Heartbeat.Format("15:04:05"))
	}
	all, err := rd.Builds(ctx, id)
	if err != nil {
		return nil, err
	}
	byNum := make(map[int64]*Build, len(all))
	for i := range all {
		byNum[all[i].Number] = &all[i]
	}
	builds := make([]*Build, 0, len(run.Builds))
	for _, n := range run.Builds {
		b, ok := byNum[n]
		if !ok {
			return nil, fmt.Errorf("%w: run %s lists build %d, which has no record", ErrBadRecord, id, n)
		}
		builds = append(builds, b)
	}
	prev := run.Holder
	run.State, run.Reason, run.Holder, run.Heartbeat = RunRunning, "", e.opts.Holder, now
	if etag, err = e.putRun(ctx, run, etag); err != nil {
		return nil, err
	}
	if prev != "" && prev != e.opts.Holder {
		e.log.Info("run taken over", "run", run.ID, "from", prev, "holder", e.opts.Holder)
	}
	r, err := newRunner(ctx, e, run, builds, true, etag)
	if err != nil {
		return nil, err
	}
	e.log.Info("run resumed", "run", run.ID, "builds", len(builds))
	return e.begin(ctx, r)
}

// ResumeAll resumes every unfinished run of the target that no live
// process drives, oldest first, one after the other; it returns when
// they have stopped. A daemon calls it on start.
func (e *Engine) ResumeAll(ctx context.Context) ([]*Run, error) {
	runs, err := e.Records().Runs(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Run
	for _, run := range runs {
		if run.State.Final() {
			continue
		}
		h, err := e.Resume(ctx, run.ID)
		if errors.Is(err, ErrActive) {
			continue
		}
		if err != nil {
			return out, err
		}
		r, err := h.Wait(ctx)
		if r != nil {
			out = append(out, r)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// isNotFound reports store.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// buildNumberOf parses "<n>.json".
func buildNumberOf(name string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSuffix(name, ".json"), 10, 64)
	return n, err == nil && strings.HasSuffix(name, ".json") && n > 0
}
