package plan

import (
	"errors"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

func TestWhy(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "app-1", build: []string{"devel:libmid"}}),
		mkPort(t, sp{id: "mid-1", build: []string{"devel:libbase"}, pkgs: []pk{{provides: []string{"mid", "devel:libmid"}}}}),
		mkPort(t, sp{id: "base-1", pkgs: []pk{{provides: []string{"base", "devel:libbase"}}}}),
		mkPort(t, sp{id: "sad-1", build: []string{"devel:libmid2"}}),
		mkPort(t, sp{id: "mid2-1", build: []string{"devel:libgone"}, pkgs: []pk{{provides: []string{"mid2", "devel:libmid2"}}}}),
		mkPort(t, sp{id: "x-1", build: []string{"y"}}),
		mkPort(t, sp{id: "y-1", build: []string{"x"}}),
		mkPort(t, sp{id: "loner-1"}),
		mkPort(t, sp{id: "done-1"}),
		mkPort(t, sp{id: "bad-1", err: "no SOURCE_URI"}),
	}
	in := Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, Repository: published(ports[8])}
	pl, err := New(in, Options{ScriptletPrerequires: []pkginfo.Expression{}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(t.Context(), Request{Mode: ModePorts, Ports: []string{"app", "sad", "x", "done", "bad"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		spec, line string
		chain      int
	}{
		{"base", "base-1 is built: needed by mid-1 (devel:libbase), which is needed by app-1 (devel:libmid), which is requested", 2},
		{"app-1", "app-1 is built: requested; outputs not yet published", 0},
		{"sad", "sad-1 is not built: needs mid2-1, which needs devel:libgone (build-requires of mid2-1), which nothing provides", 1},
		{"y", "y-1 is not built: dependency cycle y-1 -> x-1 -> y-1", 2},
		{"done", "done-1 is up to date: its output package is published", 0},
		{"bad", "bad-1 is not built: broken: recipe error: no SOURCE_URI", 0},
		{"loner", "loner-1 is not part of this plan: outputs not yet published, but neither requested nor needed by a requested port", 0},
	}
	for _, c := range cases {
		ex, err := pl.Why(p, c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Line != c.line || len(ex.Chain) != c.chain {
			t.Errorf("%s:\n got %q (chain %v)\nwant %q", c.spec, ex.Line, ex.Chain, c.line)
		}
	}
	if _, err := pl.Why(p, "nothing"); !errors.Is(err, ErrUnknownPort) {
		t.Errorf("unknown port: %v", err)
	}
}
