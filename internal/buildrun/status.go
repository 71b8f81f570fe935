package buildrun

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Status is a run's status.json, with the keys and shapes of
// HaikuPorter's ReporterJson (BUILDMASTER.md §3.2), so that its web
// frontend can show kiln's runs. Times are epoch seconds (null while
// unset).
type Status struct {
	Builds             StatusBuilds   `json:"builds"`
	Builders           StatusBuilders `json:"builders"`
	NextBuildNumber    int64          `json:"nextBuildNumber"`
	PortsTreeOriginURL string         `json:"portsTreeOriginURL"`
	PortsTreeHead      string         `json:"portsTreeHead"`
	BuildStatus        string         `json:"buildStatus"`
	StartTime          *float64       `json:"startTime"`
	EndTime            *float64       `json:"endTime"`
}

// StatusBuilds are the builds by state.
type StatusBuilds struct {
	Active    []StatusBuild   `json:"active"`
	Scheduled []StatusBuild   `json:"scheduled"`
	Blocked   []StatusBuild   `json:"blocked"`
	Complete  []StatusBuild   `json:"complete"`
	Failed    []StatusBuild   `json:"failed"`
	Lost      []StatusBuild   `json:"lost"`
	Skipped   []StatusSkipped `json:"skipped"`
}

// StatusBuild is one build (HaikuPorter's ScheduledBuild).
type StatusBuild struct {
	Port              PortRef  `json:"port"`
	ResultingPackages []string `json:"resultingPackages"`
	RequiredPackages  []string `json:"requiredPackages"`
	MissingPackageIDs []string `json:"missingPackageIDs"`
	Buildable         bool     `json:"buildable"`
	BuildNumbers      []int64  `json:"buildNumbers"`
	Lost              bool     `json:"lost"`
}

// StatusSkipped is a port that is not built, and why.
type StatusSkipped struct {
	Port              PortRef  `json:"port"`
	ResultingPackages []string `json:"resultingPackages"`
	Reason            string   `json:"reason"`
}

// StatusBuilders are the builders by state.
type StatusBuilders struct {
	Active       []StatusBuilder `json:"active"`
	Reconnecting []StatusBuilder `json:"reconnecting"`
	Idle         []StatusBuilder `json:"idle"`
	Lost         []StatusBuilder `json:"lost"`
}

// StatusBuilder is one builder.
type StatusBuilder struct {
	Name                string         `json:"name"`
	State               string         `json:"state"`
	AvailablePackages   []string       `json:"availablePackages"`
	ConnectionErrors    int            `json:"connectionErrors"`
	MaxConnectionErrors int            `json:"maxConnectionErrors"`
	CurrentBuild        *StatusCurrent `json:"currentBuild"`
}

// StatusCurrent is a builder's current build.
type StatusCurrent struct {
	Build  StatusBuild `json:"build"`
	Number int64       `json:"number"`
}

func epoch(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	f := float64(t.UnixNano()) / 1e9
	return &f
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// statusBuild describes b; r.mu is held.
func (r *runner) statusBuild(b *bstate) StatusBuild {
	if b.required == nil { // computed once: Uses and Needs never change
		req := slices.Clone(b.rec.Uses)
		for _, n := range b.rec.Needs {
			if nb, ok := r.byID[n]; ok {
				req = append(req, nb.rec.Outputs...)
			}
		}
		slices.Sort(req)
		b.required = nonNil(slices.Compact(req))
	}
	return StatusBuild{Port: b.rec.Port, ResultingPackages: nonNil(b.rec.Outputs), RequiredPackages: b.required,
		MissingPackageIDs: nonNil(slices.Clone(b.rec.Waiting)), Buildable: b.rec.State != BuildLost,
		BuildNumbers: []int64{b.rec.Number}, Lost: b.rec.State == BuildLost}
}

// status builds the run's status.
func (r *runner) status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{PortsTreeOriginURL: r.run.Tree.OriginURL, PortsTreeHead: r.run.Tree.Commit,
		StartTime: epoch(r.run.Started), EndTime: epoch(r.run.Ended)}
	sb := &st.Builds
	*sb = StatusBuilds{Active: []StatusBuild{}, Scheduled: []StatusBuild{}, Blocked: []StatusBuild{}, Complete: []StatusBuild{},
		Failed: []StatusBuild{}, Lost: []StatusBuild{}, Skipped: []StatusSkipped{}}
	failures := 0
	for _, b := range r.builds {
		st.NextBuildNumber = max(st.NextBuildNumber, b.rec.Number+1)
		e := r.statusBuild(b)
		switch b.rec.State {
		case BuildRunning:
			sb.Active = append(sb.Active, e)
		case BuildQueued:
			sb.Scheduled = append(sb.Scheduled, e)
		case BuildBlocked:
			sb.Blocked = append(sb.Blocked, e)
		case BuildSucceeded:
			sb.Complete = append(sb.Complete, e)
		case BuildFailed, BuildCancelled:
			sb.Failed = append(sb.Failed, e)
			failures++
		case BuildLost:
			sb.Lost = append(sb.Lost, e)
		case BuildSkipped:
			sb.Skipped = append(sb.Skipped, StatusSkipped{Port: b.rec.Port, ResultingPackages: nonNil(slices.Clone(b.rec.Outputs)), Reason: b.rec.Reason})
		}
	}
	for _, sk := range r.run.Skipped {
		sb.Skipped = append(sb.Skipped, StatusSkipped{Port: sk.Port, ResultingPackages: nonNil(slices.Clone(sk.Outputs)), Reason: sk.Reason})
	}
	bs := &st.Builders
	*bs = StatusBuilders{Active: []StatusBuilder{}, Reconnecting: []StatusBuilder{}, Idle: []StatusBuilder{}, Lost: []StatusBuilder{}}
	var working []string
	freeUsable := false
	for _, s := range r.slots {
		e := StatusBuilder{Name: s.b.Name(), State: string(s.status.State), AvailablePackages: []string{},
			ConnectionErrors: s.status.ConnectionErrors, MaxConnectionErrors: s.status.MaxConnectionErrors}
		if c, ok := s.b.(builder.Cacher); ok {
			e.AvailablePackages = nonNil(c.CachedPackages())
		}
		switch {
		case s.busy != nil:
			e.CurrentBuild = &StatusCurrent{Build: r.statusBuild(s.busy), Number: s.busy.rec.Number}
			bs.Active = append(bs.Active, e)
			working = append(working, s.b.Name())
		case s.status.State == builder.StateReconnecting:
			bs.Reconnecting = append(bs.Reconnecting, e)
		case !s.status.State.Usable():
			bs.Lost = append(bs.Lost, e)
		default:
			bs.Idle = append(bs.Idle, e)
			freeUsable = true
		}
	}
	switch r.run.State {
	case RunComplete, RunFailed:
		st.BuildStatus = "complete"
		if failures > 0 {
			st.BuildStatus = fmt.Sprintf("complete (with %d failures)", failures)
		}
	case RunCancelled:
		st.BuildStatus = "aborted"
	case RunError:
		st.BuildStatus = "failed: " + r.run.Reason
		if strings.Contains(r.run.Reason, ErrNoBuilders.Error()) {
			st.BuildStatus = "all builders lost"
		}
	default:
		switch {
		case len(sb.Scheduled) > 0 && !freeUsable:
			st.BuildStatus = "waiting for available builders"
		case len(working) > 0 && len(sb.Scheduled) == 0 && len(sb.Blocked) > 0:
			st.BuildStatus = "waiting for packages"
		case len(working) > 0:
			st.BuildStatus = "waiting for workers " + strings.Join(working, ",") + " to complete"
		default:
			st.BuildStatus = "starting builds"
		}
	}
	return st
}

// maybeStatus rewrites status.json when something changed, at most every
// StatusInterval, and never spending more than a twentieth of the loop's
// time on it (a run of thousands of builds has a status.json of many
// megabytes); force: now.
func (r *runner) maybeStatus(force bool) {
	if !r.dirty && !force {
		return
	}
	now := time.Now()
	if !force && now.Before(r.nextStatus) {
		return
	}
	r.dirty = false
	b, err := json.Marshal(r.status())
	if err != nil {
		r.log.Error("encode status.json", "err", err)
		return
	}
	r.rec.putBytes(r.l.status(r.run.ID), append(b, '\n'))
	r.nextStatus = now.Add(max(r.opts.StatusInterval, 20*time.Since(now)))
}
