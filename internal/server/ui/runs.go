package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// runsPerPage bounds the runs list's pages.
const runsPerPage = 50

type runsPage struct {
	Target, State, Port string // the filters
	States              []buildrun.RunState
	TargetNames         []string
	Runs                []runRow
	Page                int // 1-based
	Prev, Next          string
	Total               int
}

type runRow struct {
	*buildrun.Run
	Duration time.Duration
}

// runs lists every target's runs, newest first, runsPerPage a page;
// ?target=, ?state= and ?port= (a port name part: runs that built or
// skipped a matching port; one report read per run) filter (a plain GET
// form, no JavaScript), ?page= pages.
func (u *UI) runs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := runsPage{Target: q.Get("target"), State: q.Get("state"), Port: q.Get("port"), States: runStates, Page: 1}
	if len(p.Port) > 200 {
		u.badRequest(w, r, "The port filter is longer than 200 characters.")
		return
	}
	port := strings.ToLower(p.Port)
	targets := u.d.Targets()
	for _, t := range targets {
		p.TargetNames = append(p.TargetNames, t.Name())
	}
	if p.Target != "" {
		t := u.target(p.Target)
		if t == nil {
			u.notFound(w, r, fmt.Sprintf("No target %q.", p.Target))
			return
		}
		targets = []*daemon.Target{t}
	}
	if p.State != "" && !slices.Contains(runStates, buildrun.RunState(p.State)) {
		u.badRequest(w, r, fmt.Sprintf("Unknown run state %q (want running, complete, failed, cancelled or error).", p.State))
		return
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			u.badRequest(w, r, fmt.Sprintf("Bad page %q.", s))
			return
		}
		p.Page = n
	}
	var all []*buildrun.Run
	for _, t := range targets {
		runs, err := t.Engine().Records().Runs(r.Context())
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, run := range runs {
			if p.State != "" && string(run.State) != p.State {
				continue
			}
			if port != "" {
				ok, err := t.RunHasPort(r.Context(), run, port)
				if err != nil {
					u.fail(w, r, err)
					return
				}
				if !ok {
					continue
				}
			}
			all = append(all, run)
		}
	}
	slices.SortStableFunc(all, func(a, b *buildrun.Run) int { return b.Created.Compare(a.Created) })
	p.Total = len(all)
	from := min((p.Page-1)*runsPerPage, len(all))
	to := min(from+runsPerPage, len(all))
	now := time.Now()
	for _, run := range all[from:to] {
		row := runRow{Run: run}
		if !run.Started.IsZero() {
			end := run.Ended
			if end.IsZero() {
				end = now
			}
			row.Duration = end.Sub(run.Started)
		}
		p.Runs = append(p.Runs, row)
	}
	pageURL := func(n int) string {
		v := q
		v.Set("page", strconv.Itoa(n))
		return "/runs?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = pageURL(p.Page - 1)
	}
	if to < len(all) {
		p.Next = pageURL(p.Page + 1)
	}
	u.render(w, r, http.StatusOK, "runs.html", page{
		Title: "Runs", Nav: "runs", Refresh: 15,
		Live: "/api/v1/events?kind=run", Data: p,
	})
}
