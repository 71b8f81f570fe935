package ui

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/plan"
)

// notBuiltStates are the plan states of ports that cannot be built, in
// the order the plan page lists them.
var notBuiltStates = []plan.State{plan.StateBroken, plan.StateBlocked, plan.StateCycle, plan.StateBumpRequired,
	plan.StateUnsupported, plan.StateUntested}

// planListMax bounds each list of the plan page unless ?all=1 (the real
// tree's first everything plan lists 3,000 ports: an 11 MB page); the
// why form finds any port. A variable for the tests.
var planListMax = 100

// capped is the first entries of a list and how many it has.
type capped[T any] struct {
	Items []T
	Total int
}

// Cut reports whether entries were left out.
func (c capped[T]) Cut() bool { return len(c.Items) < c.Total }

func capList[T any](s []T, n int) capped[T] {
	return capped[T]{Items: s[:min(n, len(s))], Total: len(s)}
}

type planPage struct {
	Target  navTarget
	Preview *daemon.Preview
	// Build are the ports that would be built, in build order.
	Build capped[planRow]
	// NotBuilt are the ports that cannot be built, by state.
	NotBuilt []stateGroup
	Check    checkView
	// All: every entry is shown (?all=1).
	All bool
	// Why is the question asked (?why=), Explanation its answer, or
	// Unknown why there is none.
	Why         string
	Explanation *plan.Explanation
	Unknown     string
	Problems    int
}

// planRow is a port of the build order and its place in it (1-based).
type planRow struct {
	N int
	*plan.PortPlan
}

type stateGroup struct {
	State plan.State
	Ports capped[*plan.PortPlan]
}

// checkView is the consistency report with its lists capped.
type checkView struct {
	Packages, System int
	Unsatisfied      capped[plan.Unsatisfied]
	Uninstallable    capped[plan.Uninstallable]
	Obsolete         capped[plan.Obsolete]
	Conflicts        capped[plan.Conflict]
	Duplicates       capped[plan.Duplicate]
}

// planView serves GET /targets/{branch}/{arch}/plan: what an everything
// run would build now, why each port that cannot be built cannot, a
// "why is X not built?" form (?why=), and the head snapshot's
// consistency report. An unknown port answers the page with 404.
func (u *UI) planView(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	why := strings.TrimSpace(r.URL.Query().Get("why"))
	if len(why) > maxQuery || strings.IndexFunc(why, unicode.IsControl) >= 0 {
		u.badRequest(w, r, fmt.Sprintf("?why=: a port name of at most %d printable characters.", maxQuery))
		return
	}
	pv, err := t.Preview(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	limit := planListMax
	all := r.URL.Query().Get("all") == "1"
	if all {
		limit = len(pv.Plan.Ports) + len(pv.Check.Unsatisfied) + len(pv.Check.Uninstallable) + len(pv.Check.Obsolete) + len(pv.Check.Conflicts) + len(pv.Check.Duplicates)
	}
	p := planPage{Target: navTargetOf(t), Preview: pv, Why: why, Problems: pv.Check.Problems(), All: all}
	var build []planRow
	for _, id := range pv.Plan.Order {
		if pp := pv.Plan.Port(id); pp != nil {
			build = append(build, planRow{len(build) + 1, pp})
		}
	}
	p.Build = capList(build, limit)
	c := pv.Check
	p.Check = checkView{Packages: c.Packages, System: c.System, Unsatisfied: capList(c.Unsatisfied, limit),
		Uninstallable: capList(c.Uninstallable, limit), Obsolete: capList(c.Obsolete, limit),
		Conflicts: capList(c.Conflicts, limit), Duplicates: capList(c.Duplicates, limit)}
	by := map[plan.State][]*plan.PortPlan{}
	for _, pp := range pv.Plan.Ports {
		switch pp.State {
		case plan.StateUpToDate, plan.StateBuild:
		default:
			by[pp.State] = append(by[pp.State], pp)
		}
	}
	for _, st := range notBuiltStates {
		if len(by[st]) > 0 {
			p.NotBuilt = append(p.NotBuilt, stateGroup{st, capList(by[st], limit)})
			delete(by, st)
		}
	}
	for _, st := range slices.Sorted(maps.Keys(by)) { // a state this page does not know yet
		p.NotBuilt = append(p.NotBuilt, stateGroup{st, capList(by[st], limit)})
	}
	status := http.StatusOK
	if why != "" {
		ex, err := pv.Why(why)
		switch {
		case errors.Is(err, plan.ErrUnknownPort):
			p.Unknown, status = err.Error(), http.StatusNotFound
		case err != nil:
			u.fail(w, r, err)
			return
		default:
			p.Explanation = ex
		}
	}
	title := "Plan of " + t.Name()
	if why != "" {
		title = "Why " + why + " · " + title
	}
	u.render(w, r, status, "plan.html", page{Title: title, Nav: t.Name() + "/plan", Data: p})
}
