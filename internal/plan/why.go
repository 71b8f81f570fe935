package plan

import (
	"slices"
	"strings"
)

// Link is one step of an explanation: a port and the requirement that
// connects it to the previous step.
type Link struct {
	Port        string `json:"port"`
	State       State  `json:"state"`
	Requirement string `json:"requirement,omitempty"`
}

// Explanation says why a port is or is not built, as data and in one line.
type Explanation struct {
	Port   string `json:"port"`
	State  State  `json:"state"`
	Reason string `json:"reason"`
	// InPlan is false for a port the plan did not consider (neither
	// requested nor needed).
	InPlan bool `json:"inPlan"`
	// Chain leads from the port to what decides its fate: for a port that
	// is built because something needs it, the ports that need it up to
	// a requested one; for a blocked port, the dependencies down to the
	// one that cannot be built; for a port in a cycle, the cycle.
	Chain []Link `json:"chain,omitempty"`
	// Missing are the requirements nothing provides, for a blocked port.
	Missing []Missing `json:"missing,omitempty"`
	// Line is the whole explanation in one line.
	Line string `json:"line"`
}

// Why explains the fate of the port spec names (as in Request.Ports) in
// plan p, which this planner made. A port the plan did not consider is
// explained by its own state.
func (pl *Planner) Why(p *Plan, spec string) (*Explanation, error) {
	port, why := pl.lookup(spec)
	if port == nil {
		return nil, &UnknownPortError{Spec: spec, Reason: why}
	}
	id := port.ID()
	pp := p.Port(id)
	if pp == nil {
		st, reason := pl.ownState(port)
		ex := &Explanation{Port: id, State: st, Reason: reason}
		switch st {
		case StateBuild:
			ex.Reason = "outputs not yet published, but neither requested nor needed by a requested port"
		}
		ex.Line = id + " is not part of this plan: " + ex.Reason
		return ex, nil
	}
	ex := &Explanation{Port: id, State: pp.State, Reason: pp.Reason, InPlan: true, Missing: pp.Missing}
	var b strings.Builder
	b.WriteString(id)
	switch pp.State {
	case StateBuild:
		b.WriteString(" is built: ")
		if pp.Requested {
			b.WriteString(pp.Reason)
			break
		}
		ex.Chain = neededChain(p, pp)
		for i, l := range ex.Chain {
			if i > 0 {
				b.WriteString(", which is ")
			}
			b.WriteString("needed by " + l.Port + " (" + l.Requirement + ")")
		}
		if n := len(ex.Chain); n > 0 && p.Port(ex.Chain[n-1].Port).Requested {
			b.WriteString(", which is requested")
		}
	case StateBlocked:
		b.WriteString(" is not built: ")
		cur := pp
		for len(cur.BlockedBy) > 0 && len(ex.Chain) < len(p.Ports) {
			next := p.Port(cur.BlockedBy[0])
			ex.Chain = append(ex.Chain, Link{Port: next.ID, State: next.State})
			b.WriteString("needs " + next.ID + ", which ")
			cur = next
		}
		switch {
		case cur.State == StateCycle:
			b.WriteString("is in a dependency cycle (" + cycleLine(p, cur) + ")")
		case len(cur.Missing) > 0:
			m := cur.Missing[0]
			b.WriteString("needs ")
			b.WriteString(m.Requirement + " (" + m.Kind + " of " + m.Of + ")")
			for _, v := range m.Via {
				if !strings.HasPrefix(v, "port ") {
					b.WriteString(" via " + v)
				}
			}
			b.WriteString(", which nothing provides")
			if m.Hint != "" {
				b.WriteString(" (" + m.Hint + ")")
			}
		default:
			b.WriteString("is " + string(cur.State) + ": " + cur.Reason)
		}
	case StateCycle:
		b.WriteString(" is not built: dependency cycle " + cycleLine(p, pp))
		for _, m := range pp.Cycle {
			ex.Chain = append(ex.Chain, Link{Port: m, State: StateCycle})
		}
	default:
		b.WriteString(" is not built: " + string(pp.State) + ": " + pp.Reason)
		if pp.State == StateUpToDate {
			ex.Line = id + " is up to date: " + pp.Reason
			return ex, nil
		}
	}
	ex.Line = b.String()
	return ex, nil
}

// neededChain follows NeededBy from pp to the nearest requested port
// (breadth first, ties broken by port id).
func neededChain(p *Plan, pp *PortPlan) []Link {
	type step struct {
		id   string
		prev int
		req  string
	}
	steps := []step{{id: pp.ID, prev: -1}}
	seen := map[string]bool{pp.ID: true}
	for i := 0; i < len(steps); i++ {
		cur := p.Port(steps[i].id)
		if i > 0 && cur.Requested {
			var chain []Link
			for j := i; j > 0; j = steps[j].prev {
				chain = append(chain, Link{Port: steps[j].id, State: p.Port(steps[j].id).State, Requirement: steps[j].req})
			}
			slices.Reverse(chain)
			return chain
		}
		for _, nb := range cur.NeededBy {
			if !seen[nb.Port] {
				seen[nb.Port] = true
				steps = append(steps, step{id: nb.Port, prev: i, req: nb.Requirement})
			}
		}
	}
	return nil
}

// cycleLine prints a shortest cycle through pp: "a-1 -> b-1 -> a-1".
func cycleLine(p *Plan, pp *PortPlan) string {
	return shortestCycle(p.Port, pp)
}

// shortestCycle finds a shortest cycle through pp within its cycle
// members (breadth first along Needs, ties broken by port id) and prints
// it as "a-1 -> b-1 -> a-1" (each port needs the next).
func shortestCycle(get func(id string) *PortPlan, pp *PortPlan) string {
	members := make(map[string]bool, len(pp.Cycle))
	for _, m := range pp.Cycle {
		members[m] = true
	}
	prev := map[string]string{}
	queue := []string{pp.ID}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, n := range get(cur).Needs {
			if !members[n] {
				continue
			}
			if n == pp.ID {
				path := []string{pp.ID}
				for c := cur; c != pp.ID; c = prev[c] {
					path = append(path, c)
				}
				path = append(path, pp.ID)
				// path runs backwards from the last step; the arrows read "needs".
				slices.Reverse(path[1 : len(path)-1])
				return strings.Join(path, " -> ")
			}
			if _, ok := prev[n]; !ok {
				prev[n] = cur
				queue = append(queue, n)
			}
		}
	}
	return strings.Join(pp.Cycle, ", ")
}

// UnknownPortError is returned for a spec that names no port.
type UnknownPortError struct {
	Spec, Reason string
}

func (e *UnknownPortError) Error() string { return "plan: " + e.Reason }

// Is makes errors.Is(err, ErrUnknownPort) true.
func (e *UnknownPortError) Is(target error) bool { return target == ErrUnknownPort }
