package plan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

func TestDiamond(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "app-1.0", build: []string{"devel:libb", "devel:libc"}}),
		mkPort(t, sp{id: "b-1.0", build: []string{"devel:libd >= 1"}, pkgs: []pk{
			{provides: []string{"b = 1.0", "lib:libb"}, requires: []string{"lib:libd"}},
			{suffix: "devel", provides: []string{"devel:libb"}, requires: []string{"b == 1.0"}}}}),
		mkPort(t, sp{id: "c-2.0", build: []string{"devel:libd"}, pkgs: []pk{
			{provides: []string{"c = 2.0", "lib:libc", "devel:libc"}, requires: []string{"lib:libd"}}}}),
		mkPort(t, sp{id: "d-1.5", pkgs: []pk{
			{provides: []string{"d = 1.5", "lib:libd = 1.5 compat >= 1", "devel:libd = 1.5 compat >= 1"}}}}),
	}
	p := planOf(t, Input{Ports: ports}, Options{}, Request{Mode: ModePorts, Ports: []string{"app"}})
	want := []string{"d-1.5", "b-1.0", "c-2.0", "app-1.0"}
	if !slices.Equal(p.Order, want) {
		t.Fatalf("order %v, want %v", p.Order, want)
	}
	if !slices.Equal(p.Requested, []string{"app-1.0"}) {
		t.Errorf("requested %v", p.Requested)
	}
	if got := p.Port("app-1.0").Needs; !slices.Equal(got, []string{"b-1.0", "c-2.0", "d-1.5"}) {
		t.Errorf("app needs %v (d is needed through the REQUIRES of b and c)", got)
	}
	d := p.Port("d-1.5")
	if d.Requested || len(d.NeededBy) != 3 || !strings.HasPrefix(d.Reason, "needed by app-1.0") {
		t.Errorf("d: %+v", d)
	}
}

func TestCycles(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "a-1", build: []string{"b"}}),
		mkPort(t, sp{id: "b-1", build: []string{"c"}}),
		mkPort(t, sp{id: "c-1", build: []string{"a"}}),
		mkPort(t, sp{id: "user-1", build: []string{"a", "ok"}}),
		mkPort(t, sp{id: "ok-1"}),
		mkPort(t, sp{id: "gcc-13", build: []string{"cmd:gcc"}, pkgs: []pk{{provides: []string{"gcc = 13", "cmd:gcc = 13"}}}}),
	}
	p := planOf(t, Input{Ports: ports}, Options{}, Request{Mode: ModePorts, Ports: []string{"user", "gcc"}})
	want := [][]string{{"a-1", "b-1", "c-1"}, {"gcc-13"}}
	if len(p.Cycles) != 2 || !slices.Equal(p.Cycles[0], want[0]) || !slices.Equal(p.Cycles[1], want[1]) {
		t.Fatalf("cycles %v, want %v", p.Cycles, want)
	}
	for _, id := range []string{"a-1", "b-1", "c-1"} {
		pp := p.Port(id)
		if pp.State != StateCycle || !slices.Equal(pp.Cycle, want[0]) {
			t.Errorf("%s: %s %v", id, pp.State, pp.Cycle)
		}
		if !strings.Contains(pp.Reason, "a-1") || !strings.Contains(pp.Reason, "b-1") || !strings.Contains(pp.Reason, "c-1") {
			t.Errorf("%s: reason %q does not name the members", id, pp.Reason)
		}
	}
	if g := p.Port("gcc-13"); g.State != StateCycle || !strings.Contains(g.Reason, "depends on itself: cmd:gcc") {
		t.Errorf("gcc: %s %q", g.State, g.Reason)
	}
	u := p.Port("user-1")
	if u.State != StateBlocked || !slices.Equal(u.BlockedBy, []string{"a-1"}) {
		t.Errorf("user: %s %v", u.State, u.BlockedBy)
	}
	if !slices.Equal(p.Order, []string{"ok-1"}) {
		t.Errorf("order %v", p.Order)
	}
	// An existing package breaks the cycle.
	in := Input{Ports: ports, Repository: published(ports[2])}
	p = planOf(t, in, Options{}, Request{Mode: ModePorts, Ports: []string{"user"}})
	if !slices.Equal(p.Order, []string{"b-1", "a-1", "ok-1", "user-1"}) || len(p.Cycles) != 0 {
		t.Errorf("with c published: order %v cycles %v", p.Order, p.Cycles)
	}
}

func TestCompatVersions(t *testing.T) {
	lib := mkPort(t, sp{id: "foo-2.1", pkgs: []pk{{provides: []string{"foo = 2.1", "lib:libfoo = 2.1 compat >= 2"}}}})
	cases := []struct {
		req   string
		state State
	}{
		{"lib:libfoo", StateBuild},
		{"lib:libfoo >= 2", StateBuild},
		{"lib:libfoo >= 2.1", StateBuild},
		{"lib:libfoo == 2.1", StateBuild},
		{"lib:libfoo >= 1.9", StateBlocked}, // below compat
		{"lib:libfoo >= 3", StateBlocked},
		{"lib:libfoo < 2.1", StateBlocked}, // 2.1 < 2.1 is false
		{"foo >= 1.0", StateBuild},         // no compat: HaikuPorter accepts any version the operator allows
		{"foo == 2.1~rc1", StateBlocked},
		{"foo > 2.1~rc1", StateBuild}, // a release is above its pre-releases
	}
	for _, c := range cases {
		t.Run(c.req, func(t *testing.T) {
			user := mkPort(t, sp{id: "user-1", build: []string{c.req}})
			p := planOf(t, Input{Ports: []*recipe.Port{lib, user}}, Options{}, Request{Mode: ModePorts, Ports: []string{"user-1"}})
			u := p.Port("user-1")
			if u.State != c.state {
				t.Fatalf("state %s (%s), want %s", u.State, u.Reason, c.state)
			}
			if c.state == StateBlocked && (len(u.Missing) != 1 || u.Missing[0].Requirement != c.req) {
				t.Errorf("missing %v, want %q", u.Missing, c.req)
			}
		})
	}
}

func TestMissingDependencies(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "top-1", build: []string{"devel:libmid", "cmd:tool"}}),
		// mid's package needs a library nothing provides.
		mkPort(t, sp{id: "mid-1", pkgs: []pk{{provides: []string{"mid = 1", "devel:libmid"}, requires: []string{"lib:libghost >= 2"}}}}),
		// tool builds only with something nothing provides.
		mkPort(t, sp{id: "tool-1", build: []string{"devel:libnowhere"}, pkgs: []pk{{provides: []string{"tool = 1", "cmd:tool"}}}}),
		mkPort(t, sp{id: "other-1", build: []string{"cmd:tool", "devel:libzip"}}),
		mkPort(t, sp{id: "zip-1", err: "line 3: syntax error", pkgs: []pk{{provides: []string{"zip = 1", "devel:libzip"}}}}),
		mkPort(t, sp{id: "user-1", build: []string{"cmd:tool"}}),
	}
	p := planOf(t, Input{Ports: ports}, Options{}, Request{Mode: ModePorts, Ports: []string{"top", "other", "user"}})
	top := p.Port("top-1")
	if top.State != StateBlocked {
		t.Fatalf("top: %s %s", top.State, top.Reason)
	}
	// The unsatisfiable REQUIRES of mid's package is named, with the chain.
	if len(top.Missing) != 1 || top.Missing[0].Requirement != "lib:libghost >= 2" ||
		top.Missing[0].Of != "mid-1-1-x86_64.hpkg" || len(top.Missing[0].Via) != 1 ||
		!strings.HasPrefix(top.Missing[0].Via[0], "devel:libmid -> mid-1-1-x86_64.hpkg") {
		t.Errorf("top missing %+v", top.Missing)
	}
	// A port blocked by a dependency carries the dependency's missing requirement.
	if tl := p.Port("tool-1"); tl.State != StateBlocked || tl.Requested {
		t.Errorf("tool: %s", tl.State)
	}
	u := p.Port("user-1")
	if u.State != StateBlocked || !slices.Equal(u.BlockedBy, []string{"tool-1"}) || len(u.Missing) != 1 ||
		u.Missing[0].Requirement != "devel:libnowhere" || u.Missing[0].Via[0] != "port tool-1" {
		t.Errorf("user: %s %v %+v", u.State, u.BlockedBy, u.Missing)
	}
	o := p.Port("other-1")
	if o.State != StateBlocked {
		t.Fatalf("other: %s", o.State)
	}
	var reqs []string
	for _, m := range o.Missing {
		reqs = append(reqs, m.Requirement)
	}
	slices.Sort(reqs)
	if !slices.Equal(reqs, []string{"devel:libzip"}) {
		t.Errorf("other missing %v", o.Missing)
	}
	for _, m := range o.Missing {
		if m.Requirement == "devel:libzip" && !strings.Contains(m.Hint, "zip-1") {
			t.Errorf("no hint at the broken zip port: %+v", m)
		}
	}
	if len(p.Order) != 0 {
		t.Errorf("order %v", p.Order)
	}
}

func TestStates(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "broken-1", err: "REVISION is not set\nmore"}),
		mkPort(t, sp{id: "bang-1", status: recipe.StatusBroken}),
		mkPort(t, sp{id: "nope-1", status: recipe.StatusUnsupported}),
		mkPort(t, sp{id: "maybe-1", status: recipe.StatusUntested}),
		mkPort(t, sp{id: "done-1"}),
		mkPort(t, sp{id: "half-1", pkgs: []pk{{provides: []string{"half = 1"}}, {suffix: "devel", provides: []string{"half_devel = 1"}}}}),
	}
	repo := append(published(ports[4]), published(ports[5])[0])
	all := []string{"broken-1", "bang-1", "nope-1", "maybe-1", "done-1", "half-1"}
	p := planOf(t, Input{Ports: ports, Repository: repo}, Options{}, Request{Mode: ModePorts, Ports: all})
	want := map[string]State{"broken-1": StateBroken, "bang-1": StateBroken, "nope-1": StateUnsupported,
		"maybe-1": StateUntested, "done-1": StateUpToDate, "half-1": StateBumpRequired}
	for id, s := range want {
		pp := p.Port(id)
		if pp.State != s {
			t.Errorf("%s: %s (%s), want %s", id, pp.State, pp.Reason, s)
		}
	}
	if r := p.Port("broken-1").Reason; r != "recipe error: REVISION is not set" {
		t.Errorf("broken reason %q", r)
	}
	p = planOf(t, Input{Ports: ports, Repository: repo}, Options{AllowUntested: true}, Request{Mode: ModePorts, Ports: []string{"maybe"}})
	if p.Port("maybe-1").State != StateBuild {
		t.Errorf("untested with AllowUntested: %s", p.Port("maybe-1").State)
	}
}

func TestAnyAndArchitectures(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "game-1", build: []string{"game_data", "devel:libx"}}),
		mkPort(t, sp{id: "game_data-1", pkgs: []pk{{arch: "any", provides: []string{"game_data = 1"}}}}),
	}
	// A package of another architecture never counts; one of arch any does.
	repo := []*pkginfo.PackageInfo{
		mkInfo(t, "libx", "1-1", "x86", []string{"devel:libx"}, nil),
	}
	p := planOf(t, Input{Ports: ports, Repository: repo}, Options{}, Request{Mode: ModePorts, Ports: []string{"game"}})
	g := p.Port("game-1")
	if g.State != StateBlocked || g.Missing[0].Requirement != "devel:libx" {
		t.Fatalf("game: %s %+v", g.State, g.Missing)
	}
	repo = append(repo, mkInfo(t, "libx_any", "1-1", "any", []string{"devel:libx"}, nil))
	p = planOf(t, Input{Ports: ports, Repository: repo}, Options{}, Request{Mode: ModePorts, Ports: []string{"game"}})
	if !slices.Equal(p.Order, []string{"game_data-1", "game-1"}) {
		t.Errorf("order %v (%s)", p.Order, p.Port("game-1").Reason)
	}
	if got := p.Port("game-1").Uses; !slices.Equal(got, []string{"libx_any-1-1-any.hpkg"}) {
		t.Errorf("uses %v", got)
	}
	if out := p.Port("game_data-1").Outputs; !slices.Equal(out, []string{"game_data-1-1-any.hpkg"}) {
		t.Errorf("outputs %v", out)
	}
}

func TestPreferExistingPackage(t *testing.T) {
	zlib := mkPort(t, sp{id: "zlib-1.3", pkgs: []pk{{provides: []string{"zlib = 1.3", "lib:libz = 1.3 compat >= 1"}},
		{suffix: "devel", provides: []string{"zlib_devel = 1.3", "devel:libz = 1.3 compat >= 1"}, requires: []string{"zlib == 1.3"}}}})
	app := mkPort(t, sp{id: "app-1", build: []string{"devel:libz"}})
	newer := mkPort(t, sp{id: "app2-1", build: []string{"devel:libz >= 1.3"}})
	old := []*pkginfo.PackageInfo{
		mkInfo(t, "zlib", "1.2-1", "x86_64", []string{"zlib = 1.2-1", "lib:libz = 1.2 compat >= 1"}, nil),
		mkInfo(t, "zlib_devel", "1.2-1", "x86_64", []string{"zlib_devel = 1.2-1", "devel:libz = 1.2 compat >= 1"}, []string{"zlib == 1.2-1"}),
	}
	in := Input{Ports: []*recipe.Port{zlib, app, newer}, Repository: old}
	p := planOf(t, in, Options{}, Request{Mode: ModePorts, Ports: []string{"app"}})
	if !slices.Equal(p.Order, []string{"app-1"}) {
		t.Errorf("order %v: the published zlib 1.2 should be used, not the port", p.Order)
	}
	if got := p.Port("app-1").Uses; !slices.Equal(got, []string{"zlib-1.2-1-x86_64.hpkg", "zlib_devel-1.2-1-x86_64.hpkg"}) {
		t.Errorf("uses %v", got)
	}
	p = planOf(t, in, Options{}, Request{Mode: ModePorts, Ports: []string{"app2"}})
	if !slices.Equal(p.Order, []string{"zlib-1.3", "app2-1"}) {
		t.Errorf("order %v: only the port satisfies >= 1.3", p.Order)
	}
	// A system package is preferred to a port too.
	sys := []*pkginfo.PackageInfo{mkInfo(t, "zlib", "1.3-5", "x86_64", []string{"devel:libz = 1.3"}, nil)}
	p = planOf(t, Input{Ports: in.Ports, System: sys}, Options{}, Request{Mode: ModePorts, Ports: []string{"app2"}})
	if !slices.Equal(p.Order, []string{"app2-1"}) {
		t.Errorf("order %v: the system package satisfies >= 1.3", p.Order)
	}
	// An existing package whose own REQUIRES fail is dropped for the next provider.
	broken := []*pkginfo.PackageInfo{mkInfo(t, "zlib_devel", "1.2-1", "x86_64", []string{"devel:libz = 1.2 compat >= 1"}, []string{"lib:libgone"})}
	p = planOf(t, Input{Ports: in.Ports, Repository: broken}, Options{}, Request{Mode: ModePorts, Ports: []string{"app"}})
	if !slices.Equal(p.Order, []string{"zlib-1.3", "app-1"}) {
		t.Errorf("order %v: the unusable package should be skipped", p.Order)
	}
}

func TestBaseRequirement(t *testing.T) {
	// "base" never accepts an existing package file (HaikuPorter).
	ports := []*recipe.Port{
		mkPort(t, sp{id: "user-1", build: []string{"haiku base"}}),
	}
	sys := []*pkginfo.PackageInfo{mkInfo(t, "haiku", "r1~beta5-1", "x86_64", []string{"haiku = r1~beta5-1"}, nil)}
	p := planOf(t, Input{Ports: ports, System: sys}, Options{}, Request{Mode: ModePorts, Ports: []string{"user"}})
	if p.Port("user-1").State != StateBlocked {
		t.Errorf("state %s", p.Port("user-1").State)
	}
	ports[0] = mkPort(t, sp{id: "user-1", build: []string{"haiku"}})
	p = planOf(t, Input{Ports: ports, System: sys}, Options{}, Request{Mode: ModePorts, Ports: []string{"user"}})
	if p.Port("user-1").State != StateBuild {
		t.Errorf("state %s", p.Port("user-1").State)
	}
}

func TestScriptletPrerequires(t *testing.T) {
	ports := []*recipe.Port{mkPort(t, sp{id: "x-1"})}
	in := Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports}
	pl, err := New(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(t.Context(), Request{Mode: ModePorts, Ports: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	x := p.Port("x-1")
	if x.State != StateBlocked || len(x.Missing) != 9 || x.Missing[0].Kind != "scriptlet-prerequires" {
		t.Errorf("x: %s %+v", x.State, x.Missing)
	}
}

func TestEverythingMode(t *testing.T) {
	var ports []*recipe.Port
	var repo []*pkginfo.PackageInfo
	var want []string
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		p := mkPort(t, sp{id: name + "-1", pkgs: []pk{{provides: []string{name}}, {suffix: "devel", provides: []string{name + "_devel"}}}})
		ports = append(ports, p)
		switch i % 4 {
		case 0: // fully published
			repo = append(repo, published(p)...)
		case 1: // half published
			repo = append(repo, published(p)[0])
			want = append(want, p.ID())
		default:
			want = append(want, p.ID())
		}
	}
	// Ports that produce nothing on the target are not "missing".
	ports = append(ports, mkPort(t, sp{id: "un-1", status: recipe.StatusUnsupported}),
		mkPort(t, sp{id: "bad-1", err: "boom"}))
	// A published source package does not matter; a missing one is not missing.
	src := mkPort(t, sp{id: "s-1", pkgs: []pk{{provides: []string{"s"}}, {suffix: "source", arch: "source", provides: []string{"s_source"}}}})
	ports = append(ports, src)
	repo = append(repo, published(src)[0])
	p := planOf(t, Input{Ports: ports, Repository: repo}, Options{}, Request{Mode: ModeEverything})
	if !slices.Equal(p.Requested, want) {
		t.Errorf("requested %v, want %v", p.Requested, want)
	}
	if got := p.InState(StateBumpRequired); len(got) != 2 {
		t.Errorf("bump required: %d", len(got))
	}
	p = planOf(t, Input{Ports: ports, Repository: repo}, Options{RequireSourcePackages: true}, Request{Mode: ModeEverything})
	if !slices.Contains(p.Requested, "s-1") {
		t.Errorf("with source packages required, s-1 is missing its source package: %v", p.Requested)
	}
}

func TestUpdateMode(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "zlib-1.3", category: "sys-libs"}),
		mkPort(t, sp{id: "zlib_x86-1.3", category: "sys-libs"}),
		mkPort(t, sp{id: "curl-8", category: "net-misc"}),
		mkPort(t, sp{id: "vim-9", category: "app-editors"}),
	}
	ports[1].RecipePath = ports[0].RecipePath // a secondary-architecture port shares the recipe
	files := []string{
		"sys-libs/zlib/patches/zlib-1.3.patchset",
		"net-misc/curl/curl-7.recipe", // an inactive version
		"app-editors/vim/vim-9.recipe",
		"README.md",
	}
	p := planOf(t, Input{Ports: ports}, Options{}, Request{Mode: ModeUpdate, Files: files})
	want := []string{"vim-9", "zlib-1.3", "zlib_x86-1.3"}
	if !slices.Equal(p.Requested, want) {
		t.Errorf("requested %v, want %v", p.Requested, want)
	}
	// With the files the recipe names known, HaikuPorter's exact rule.
	ports[2].Patches = []string{"patches/curl-8.patchset"}
	ports[2].AdditionalFiles = []string{"additional-files/curl-data"}
	ports[2].Licenses = []string{"licenses/Curl"}
	for _, c := range []struct {
		file string
		hit  bool
	}{
		{"net-misc/curl/patches/curl-8.patchset", true},
		{"net-misc/curl/patches/curl-7.patchset", false},
		{"net-misc/curl/additional-files/curl-data/x.conf", true},
		{"net-misc/curl/additional-files/other", false},
		{"net-misc/curl/licenses/Curl", true},
		{"net-misc/curl/curl-8.recipe", true},
	} {
		got := PortsForFiles(ports, []string{c.file})
		if (len(got) == 1 && got[0] == ports[2]) != c.hit {
			t.Errorf("%s: ports %v, want hit=%v", c.file, got, c.hit)
		}
	}
	if got := PortsForFiles(ports, nil); got != nil {
		t.Errorf("no files: %v", got)
	}
}

func TestLookup(t *testing.T) {
	ports := []*recipe.Port{
		mkPort(t, sp{id: "zlib-1.3", rev: 2, pkgs: []pk{{provides: []string{"zlib"}}, {suffix: "devel", provides: []string{"zlib_devel"}}}}),
	}
	cases := []struct{ spec, found, why string }{
		{"zlib", "zlib-1.3", ""},
		{"zlib-1.3", "zlib-1.3", ""},
		{"zlib-1.3-2", "zlib-1.3", ""},
		{"zlib-1.3-1", "", "port zlib-1.3 has revision 2, not 1"},
		{"zlib_devel", "zlib-1.3", ""},
		{"zlib-1.2", "", "no port version zlib-1.2 (the version known is zlib-1.3)"},
		{"nothing", "", "no port or package named nothing"},
	}
	for _, c := range cases {
		p := planOf(t, Input{Ports: ports}, Options{}, Request{Mode: ModePorts, Ports: []string{c.spec}})
		if c.found != "" {
			if !slices.Equal(p.Requested, []string{c.found}) {
				t.Errorf("%s: requested %v", c.spec, p.Requested)
			}
			continue
		}
		if len(p.Unknown) != 1 || p.Unknown[0].Reason != c.why {
			t.Errorf("%s: unknown %+v, want %q", c.spec, p.Unknown, c.why)
		}
	}
}

func TestBadRequests(t *testing.T) {
	pl, err := New(Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Request{{Mode: "sometimes"}, {Mode: ModeEverything, Ports: []string{"x"}}, {Mode: ModePorts, Files: []string{"x"}}} {
		if _, err := pl.Plan(t.Context(), r); err == nil {
			t.Errorf("%+v: no error", r)
		}
	}
	if _, err := New(Input{Target: recipe.Target{Arch: pkginfo.ArchAny}}, Options{}); err == nil {
		t.Error("target any accepted")
	}
	dup := []*recipe.Port{mkPort(t, sp{id: "a-1"}), mkPort(t, sp{id: "a-1"})}
	if _, err := New(Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: dup}, Options{}); err == nil {
		t.Error("duplicate port accepted")
	}
}

func TestDeterministic(t *testing.T) {
	var ports []*recipe.Port
	// A wide graph where many orders are valid.
	for i := range 30 {
		name := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		var build []string
		if i > 0 {
			build = append(build, string(rune('a'+(i/2)%26))+strings.Repeat("x", (i/2)/26))
		}
		ports = append(ports, mkPort(t, sp{id: name + "-1", build: build}))
	}
	var first []byte
	for range 5 {
		p := planOf(t, Input{Ports: slices.Clone(ports)}, Options{}, Request{Mode: ModeEverything})
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Fatal("plans differ between runs")
		}
		slices.Reverse(ports)
	}
}
