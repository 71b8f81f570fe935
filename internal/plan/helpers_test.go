package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Synthetic inputs for tests: a tiny notation for requirements and
// provides, and ports built from it.

func mustVersion(t testing.TB, s string) pkginfo.Version {
	t.Helper()
	v, err := pkginfo.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ex parses "name", "name op version" or "name op version base".
func ex(t testing.TB, s string) pkginfo.Expression {
	t.Helper()
	f := strings.Fields(s)
	e := pkginfo.Expression{Name: f[0]}
	if len(f) > 1 && f[len(f)-1] == "base" {
		e.Base = true
		f = f[:len(f)-1]
	}
	if len(f) == 3 {
		op, ok := pkginfo.ParseOperator(f[1])
		if !ok {
			t.Fatalf("bad operator in %q", s)
		}
		e.Op, e.Version = op, mustVersion(t, f[2])
	}
	return e
}

// rs parses "name", "name = version" or "name = version compat >= c".
func rs(t testing.TB, s string) pkginfo.Resolvable {
	t.Helper()
	f := strings.Fields(s)
	r := pkginfo.Resolvable{Name: f[0]}
	if len(f) >= 3 {
		r.Version = mustVersion(t, f[2])
	}
	if len(f) == 6 {
		r.Compat = mustVersion(t, f[5])
	}
	return r
}

func exs(t testing.TB, l []string) []pkginfo.Expression {
	var out []pkginfo.Expression
	for _, s := range l {
		out = append(out, ex(t, s))
	}
	return out
}

func rss(t testing.TB, l []string) []pkginfo.Resolvable {
	var out []pkginfo.Resolvable
	for _, s := range l {
		out = append(out, rs(t, s))
	}
	return out
}

// pk describes a package of a synthetic port.
type pk struct {
	suffix   string // "" or "devel", ...
	arch     string // "" = the target
	provides []string
	requires []string
}

// sp describes a synthetic port.
type sp struct {
	id       string // name-version
	rev      uint32
	status   recipe.Status
	err      string
	build    []string
	pre      []string
	pkgs     []pk // default: one package providing its name
	category string
}

func mkPort(t testing.TB, d sp) *recipe.Port {
	t.Helper()
	i := strings.LastIndexByte(d.id, '-')
	name, version := d.id[:i], d.id[i+1:]
	if d.rev == 0 {
		d.rev = 1
	}
	if d.status == "" {
		d.status = recipe.StatusStable
	}
	if d.category == "" {
		d.category = "cat"
	}
	if d.pkgs == nil {
		d.pkgs = []pk{{provides: []string{name + " = " + version}}}
	}
	v := mustVersion(t, version)
	v.Revision = d.rev
	p := &recipe.Port{
		Name: name, Version: version, Revision: d.rev, Category: d.category,
		RecipePath:       d.category + "/" + name + "/" + name + "-" + version + ".recipe",
		Target:           recipe.Target{Arch: pkginfo.ArchX86_64},
		Status:           d.status,
		BuildRequires:    exs(t, d.build),
		BuildPrerequires: exs(t, d.pre),
		Error:            d.err,
	}
	for _, k := range d.pkgs {
		a := pkginfo.ArchX86_64
		if k.arch != "" {
			var err error
			if a, err = pkginfo.ParseArchitecture(k.arch); err != nil {
				t.Fatal(err)
			}
		}
		n, typ := name, "general"
		if k.suffix != "" {
			n += "_" + k.suffix
			if k.suffix == "devel" || k.suffix == "source" || k.suffix == "doc" || k.suffix == "debuginfo" {
				typ = k.suffix
			}
		}
		p.Packages = append(p.Packages, recipe.Package{
			Name: n, Suffix: k.suffix, Type: typ, Architecture: a, Version: v, Status: d.status,
			Provides: rss(t, k.provides), Requires: exs(t, k.requires),
		})
	}
	return p
}

// mkInfo makes an existing package "name-version-rev" with provides/requires.
func mkInfo(t testing.TB, name, version, arch string, provides, requires []string) *pkginfo.PackageInfo {
	t.Helper()
	a, err := pkginfo.ParseArchitecture(arch)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return &pkginfo.PackageInfo{Name: name, Version: v, Architecture: a,
		Provides: rss(t, provides), Requires: exs(t, requires)}
}

// published returns the repository packages a port would produce.
func published(p *recipe.Port) []*pkginfo.PackageInfo {
	var out []*pkginfo.PackageInfo
	for _, k := range p.Packages {
		out = append(out, &pkginfo.PackageInfo{Name: k.Name, Version: k.Version,
			Architecture: k.Architecture, Provides: k.Provides, Requires: k.Requires})
	}
	return out
}

func planOf(t testing.TB, in Input, opt Options, req Request) *Plan {
	t.Helper()
	if in.Target.Arch == 0 {
		in.Target.Arch = pkginfo.ArchX86_64
	}
	if opt.ScriptletPrerequires == nil {
		opt.ScriptletPrerequires = []pkginfo.Expression{}
	}
	pl, err := New(in, opt)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, p)
	return p
}

// planEverything plans every port of in (ModeEverything) with the default
// options and returns the planner as well as the plan.
func planEverything(t testing.TB, in Input) (*Planner, *Plan) {
	t.Helper()
	pl, err := New(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(t.Context(), Request{Mode: ModeEverything})
	if err != nil {
		t.Fatal(err)
	}
	return pl, p
}

// checkInvariants verifies what every plan must satisfy.
func checkInvariants(t testing.TB, p *Plan) {
	t.Helper()
	pos := make(map[string]int)
	for i, id := range p.Order {
		pos[id] = i
	}
	for _, pp := range p.Ports {
		_, inOrder := pos[pp.ID]
		if inOrder != (pp.State == StateBuild) {
			t.Errorf("%s: state %s but in order = %v", pp.ID, pp.State, inOrder)
		}
		if pp.Reason == "" {
			t.Errorf("%s: no reason", pp.ID)
		}
		if strings.Contains(pp.Reason, "\n") {
			t.Errorf("%s: reason is not one line: %q", pp.ID, pp.Reason)
		}
		if pp.State == StateBuild {
			for _, n := range pp.Needs {
				j, ok := pos[n]
				if !ok || j >= pos[pp.ID] {
					t.Errorf("%s is ordered before %s, which it needs", pp.ID, n)
				}
			}
		}
		if pp.State == StateBlocked && len(pp.Missing) == 0 && len(pp.BlockedBy) == 0 {
			t.Errorf("%s: blocked without a missing requirement or dependency", pp.ID)
		}
		if pp.State == StateCycle && len(pp.Cycle) == 0 {
			t.Errorf("%s: cycle without members", pp.ID)
		}
	}
}

func states(p *Plan) map[string]State {
	m := make(map[string]State)
	for _, pp := range p.Ports {
		m[pp.ID] = pp.State
	}
	return m
}
