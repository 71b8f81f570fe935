package daemon

import (
	"context"
	"errors"
	"sync"

	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/repo"
)

// Preview is what the target would build now: the everything plan of
// the tree's HEAD against the head snapshot and the system packages
// (every active port whose packages are not all published), with the
// planner that made it, to explain single ports (Why), and the
// consistency report of the head snapshot.
type Preview struct {
	// Commit is the tree commit planned from.
	Commit string
	// Active is how many active ports the tree has for the target.
	Active int
	Plan   *plan.Plan
	// Check is the consistency report of the published packages against
	// the system packages and the tree's active ports.
	Check *plan.Report

	planner *plan.Planner
}

// previewCache holds the target's last Preview: it is made again only
// when the tree's HEAD or the head snapshot moved.
type previewCache struct {
	mu       sync.Mutex // held while a preview is made: one evaluation at a time
	commit   string
	snapshot string
	p        *Preview
}

// Preview plans an everything run from the tree's HEAD without starting
// it and checks the head snapshot's consistency. The result is shared
// until the HEAD or the head snapshot changes (evaluating the tree is as
// costly as planning a run); callers must not modify it. Concurrent
// calls wait for one evaluation.
func (t *Target) Preview(ctx context.Context) (*Preview, error) {
	commit, err := t.Head(ctx)
	if err != nil {
		return nil, err
	}
	snapshot := ""
	if h, err := t.repo.ReadHead(ctx); err == nil {
		snapshot = h.Snapshot
	} else if !errors.Is(err, repo.ErrNoHead) {
		return nil, err
	}
	c := &t.preview
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil && c.commit == commit && c.snapshot == snapshot {
		return c.p, nil
	}
	pi, err := t.planInput(ctx)
	if err != nil {
		return nil, err
	}
	p, err := pi.planner.Plan(ctx, plan.Request{Mode: plan.ModeEverything})
	if err != nil {
		return nil, err
	}
	check := plan.Check(plan.CheckInput{Arch: pi.in.Target.Arch, Repository: pi.in.Repository, System: pi.in.System,
		Ports: pi.tree.Active, AllowUntested: t.tg.AllowUntested})
	c.p = &Preview{Commit: pi.commit, Active: len(pi.tree.Active), Plan: p, Check: check, planner: pi.planner}
	c.commit, c.snapshot = commit, snapshot
	return c.p, nil
}

// Why explains the fate of the port spec names (a name, name-version or
// package name, as a run's ports) in the preview's plan. A spec that
// names no port is an error matching plan.ErrUnknownPort.
func (p *Preview) Why(spec string) (*plan.Explanation, error) { return p.planner.Why(p.Plan, spec) }
