package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
)

type runPage struct {
	Run      *buildrun.Run
	Duration time.Duration
	counts
	// The filters: a build state and a port name substring.
	State, Port string
	States      []buildrun.BuildState
	Builds      []buildRow // the builds the filters select (the first buildsShown unless All)
	Matched     int        // how many the filters select
	All         bool       // ?all=1: every selected build
	AllURL      string     // this page with all=1
	// Chains: each failed build with the builds its failure lost, and
	// the blocked builds with what they wait for.
	Chains        []chain
	BlockedBuilds []buildRow
}

// buildsShown bounds the builds table unless ?all=1: a run of the whole
// tree has 3,000 builds (a 1.2 MB page, 0.5 s to render), and the live
// page is fetched again after events.
const buildsShown = 200

type buildRow struct {
	ID string // <run>:<n>
	buildrun.Build
	Duration time.Duration
}

type chain struct {
	Failed buildRow
	Lost   []buildRow
}

// run renders one build run: its record, every build (state, builder,
// duration, attempts, reason), which failed build lost which others,
// what the blocked builds wait for, the ports not built. ?state= and
// ?port= filter the builds, the first buildsShown are listed unless
// ?all=1. Live while the run runs.
func (u *UI) run(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validRunID(id) {
		u.badRequest(w, r, fmt.Sprintf("Bad run id %q.", id))
		return
	}
	q := r.URL.Query()
	p := runPage{State: q.Get("state"), Port: q.Get("port"), States: buildStates, All: q.Get("all") == "1"}
	if p.State != "" && !slices.Contains(buildStates, buildrun.BuildState(p.State)) {
		u.badRequest(w, r, fmt.Sprintf("Unknown build state %q.", p.State))
		return
	}
	if len(p.Port) > 200 {
		u.badRequest(w, r, "The port filter is longer than 200 characters.")
		return
	}
	t, run, err := u.findRun(r.Context(), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if t == nil {
		u.notFound(w, r, fmt.Sprintf("No run %s.", id))
		return
	}
	bs, err := runBuilds(r.Context(), t, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	now := time.Now()
	if h, ok := t.Engine().Active(); ok && h.ID() == id {
		run.State = buildrun.RunRunning // the record may lag the engine
	}
	p.Run, p.counts = run, countBuilds(bs)
	if !run.Started.IsZero() {
		end := run.Ended
		if end.IsZero() {
			end = now
		}
		p.Duration = end.Sub(run.Started)
	}
	rows := make([]buildRow, len(bs))
	byPort := map[string]int{}
	for i, b := range bs {
		rows[i] = buildRow{ID: buildID(b.Run, b.Number), Build: b, Duration: buildDuration(b, now)}
		byPort[b.Port.ID()] = i
	}
	port := strings.ToLower(p.Port)
	for _, row := range rows {
		if (p.State == "" || string(row.State) == p.State) && (port == "" || strings.Contains(strings.ToLower(row.Port.RevisionedName), port)) {
			p.Matched++
			if p.All || len(p.Builds) < buildsShown {
				p.Builds = append(p.Builds, row)
			}
		}
	}
	if p.Matched > len(p.Builds) {
		v := url.Values{"all": {"1"}}
		for _, k := range []string{"state", "port"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		p.AllURL = "/runs/" + id + "?" + v.Encode()
	}
	chains := map[string]*chain{}
	for _, row := range rows {
		switch row.State {
		case buildrun.BuildFailed, buildrun.BuildCancelled:
			chains[row.Port.ID()] = &chain{Failed: row}
		case buildrun.BuildBlocked:
			p.BlockedBuilds = append(p.BlockedBuilds, row)
		}
	}
	for _, row := range rows {
		if row.State != buildrun.BuildLost || len(row.LostChain) == 0 {
			continue
		}
		c := chains[row.LostChain[0]]
		if c == nil { // the failed port is not a build of this run (resumed records)
			c = &chain{Failed: buildRow{Build: buildrun.Build{Port: buildrun.PortRef{Name: row.LostChain[0], RevisionedName: row.LostChain[0]}}}}
			if i, ok := byPort[row.LostChain[0]]; ok {
				c.Failed = rows[i]
			}
			chains[row.LostChain[0]] = c
		}
		c.Lost = append(c.Lost, row)
	}
	for _, c := range chains {
		if len(c.Lost) > 0 {
			p.Chains = append(p.Chains, *c)
		}
	}
	slices.SortFunc(p.Chains, func(a, b chain) int {
		return strings.Compare(a.Failed.Port.RevisionedName, b.Failed.Port.RevisionedName)
	})
	pg := page{Title: "Run " + id, Nav: "runs", Data: p}
	if run.State == buildrun.RunRunning {
		pg.Refresh, pg.LiveRun = 5, id
		pg.Live = "/api/v1/events?kind=run,build,publish&target=" + url.QueryEscape(t.Name())
	}
	u.render(w, r, http.StatusOK, "run.html", pg)
}

// buildDuration is how long b's last attempt took, or has been running.
func buildDuration(b buildrun.Build, now time.Time) time.Duration {
	if d := b.Duration(); d > 0 {
		return d
	}
	if b.State == buildrun.BuildRunning && len(b.Attempts) > 0 {
		return now.Sub(b.Attempts[len(b.Attempts)-1].Started)
	}
	return 0
}
