package ui

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
)

type overviewTarget struct {
	Name, Branch, Arch string
	Head               *repo.Head
	Packages           int
	Loop               daemon.TargetState
	Run                *runProgress
	Builders           []builderView
	Failures           []failureView
}

type runProgress struct {
	ID string
	counts
}

type builderView struct {
	Name   string
	State  string
	Reason string
	Since  time.Time
	// Build is the build it runs now (nil: none).
	Build *buildrun.Build
}

// overview renders every target: head snapshot, package count, the
// current run's progress, the builders and what they build, and the
// failed builds of the newest runs (recentFailures). Live over the event
// stream; a meta refresh every 10 s without JavaScript.
func (u *UI) overview(w http.ResponseWriter, r *http.Request) {
	var ts []overviewTarget
	for _, t := range u.d.Targets() {
		ot, err := u.overviewTarget(r.Context(), t)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		ts = append(ts, ot)
	}
	u.render(w, r, http.StatusOK, "overview.html", page{
		Title: "Overview", Nav: "overview", Refresh: 10,
		Live: "/api/v1/events?kind=run,build,builder,publish",
		Data: ts,
	})
}

func (u *UI) overviewTarget(ctx context.Context, t *daemon.Target) (overviewTarget, error) {
	rt := t.RepoTarget()
	ot := overviewTarget{Name: t.Name(), Branch: rt.Branch, Arch: rt.Arch, Loop: u.d.State(t.Name())}
	h, m, err := t.Repo().Current(ctx)
	switch {
	case err == nil:
		ot.Head, ot.Packages = h, len(m.Packages)
	case !errors.Is(err, repo.ErrNoHead):
		return ot, err
	}
	running := map[string]*buildrun.Build{}
	active, ok := t.Engine().Active()
	if ok {
		bs := active.Builds()
		ot.Run = &runProgress{ID: active.ID(), counts: countBuilds(bs)}
		for i := range bs {
			if bs[i].State == buildrun.BuildRunning && bs[i].Builder != "" {
				running[bs[i].Builder] = &bs[i]
			}
		}
	}
	for _, b := range t.Builders() {
		st := b.Status()
		v := builderView{Name: b.Name(), State: string(st.State), Reason: st.Reason, Since: st.Since, Build: running[b.Name()]}
		if v.Build != nil && st.State == builder.StateAvailable {
			// The connection state says "available"; a person reading the
			// overview wants to know it is busy.
			v.State = "building"
		}
		ot.Builders = append(ot.Builders, v)
	}
	if ot.Failures, err = recentFailures(ctx, t); err != nil {
		return ot, err
	}
	return ot, nil
}
