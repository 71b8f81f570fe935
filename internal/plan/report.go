package plan

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the plan for people: the build order, then the ports
// that are not built, grouped by state, each with its reason.
func (p *Plan) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("plan for %s (%s mode): %d requested, %d to build\n", p.Target.Arch, p.Mode, len(p.Requested), len(p.Order))
	if len(p.Order) > 0 {
		ew.printf("\nbuild order:\n")
		for i, id := range p.Order {
			pp := p.Port(id)
			ew.printf("%5d. %s  (%s)\n", i+1, id, pp.Reason)
		}
	}
	for _, s := range []State{StateBlocked, StateCycle, StateBroken, StateBumpRequired, StateUntested, StateUnsupported, StateUpToDate} {
		l := p.InState(s)
		if len(l) == 0 {
			continue
		}
		ew.printf("\n%s (%d):\n", s, len(l))
		for _, pp := range l {
			ew.printf("  %s: %s\n", pp.ID, pp.Reason)
		}
	}
	if len(p.Cycles) > 0 {
		ew.printf("\ncycles (%d):\n", len(p.Cycles))
		for _, c := range p.Cycles {
			ew.printf("  %s\n", strings.Join(c, ", "))
		}
	}
	if len(p.Unknown) > 0 {
		ew.printf("\nunknown (%d):\n", len(p.Unknown))
		for _, u := range p.Unknown {
			ew.printf("  %s: %s\n", u.Spec, u.Reason)
		}
	}
	return ew.err
}

// WriteText writes the consistency report for people.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("repository consistency (%s): %s, %s: %s\n",
		r.Arch, count(r.Packages, "package"), count(r.System, "system package"), count(r.Problems(), "problem"))
	if len(r.Unsatisfied) > 0 {
		ew.printf("\nunsatisfied requirements (%d):\n", len(r.Unsatisfied))
		for _, u := range r.Unsatisfied {
			ew.printf("  %s: %s", u.Package, u.Requirement)
			if u.HaikuPorterAccepts != "" {
				ew.printf(" (HaikuPorter would accept %s)", u.HaikuPorterAccepts)
			}
			ew.printf("\n")
		}
	}
	if len(r.Uninstallable) > 0 {
		ew.printf("\nuninstallable packages (%d):\n", len(r.Uninstallable))
		for _, u := range r.Uninstallable {
			ew.printf("  %s: %s\n", u.Package, u.Because)
		}
	}
	if len(r.SystemUninstallable) > 0 {
		ew.printf("\nsystem packages the repository cannot satisfy (%d):\n", len(r.SystemUninstallable))
		for _, u := range r.SystemUninstallable {
			ew.printf("  %s: %s\n", u.Package, u.Because)
		}
	}
	if len(r.Obsolete) > 0 {
		ew.printf("\nobsolete packages (%d):\n", len(r.Obsolete))
		for _, o := range r.Obsolete {
			ew.printf("  %s: %s\n", o.Package, o.Reason)
		}
	}
	if len(r.Conflicts) > 0 {
		ew.printf("\nprovides conflicts (%d):\n", len(r.Conflicts))
		for _, c := range r.Conflicts {
			ew.printf("  %s: provided by %s; required by %s\n", c.Resolvable,
				strings.Join(c.Providers, ", "), strings.Join(c.RequiredBy, ", "))
		}
	}
	if len(r.Duplicates) > 0 {
		ew.printf("\nseveral versions published (%d):\n", len(r.Duplicates))
		for _, d := range r.Duplicates {
			ew.printf("  %s: %s\n", d.Name, strings.Join(d.Files, ", "))
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// count returns n and the noun, in the plural unless n is 1 ("1 package",
// "2 packages"); the plural is noun+"s".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
