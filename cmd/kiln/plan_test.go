package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// systemPackage is an x86_64 package name-1-1 with the given provides.
func systemPackage(t *testing.T, name string, provides ...string) pkginfo.PackageInfo {
	t.Helper()
	p := pkginfo.PackageInfo{Name: name, Architecture: pkginfo.ArchX86_64, Version: pkginfo.Version{Major: "1", Revision: 1}}
	for _, s := range provides {
		r, err := pkginfo.ParseResolvable(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Provides = append(p.Provides, r)
	}
	return p
}

// planFixture writes a small HaikuPorter repository folder (the ports) and
// a system package list, and returns their paths.
func planFixture(t *testing.T) (hpRepo, system string) {
	t.Helper()
	dir := t.TempDir()
	hpRepo = filepath.Join(dir, "repository")
	if err := os.MkdirAll(filepath.Join(hpRepo, ".skipped"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hpRepo, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type di = recipe.DependencyInfo
	write(".portIdForPackageIdMap", map[string]string{
		"zlib-1.3": "zlib-1.3", "zlib_devel-1.3": "zlib-1.3", "app-2.0": "app-2.0", "lonely-1": "lonely-1",
	})
	write("zlib-1.3.DependencyInfo", di{Name: "zlib", Version: "1.3", Architecture: "x86_64",
		Provides: []string{"zlib = 1.3", "lib:libz = 1.3 compat >= 1"}, Requires: []string{"haiku"},
		BuildRequires: []string{"haiku_devel"}, BuildPrerequires: []string{"cmd:gcc"}})
	write("zlib_devel-1.3.DependencyInfo", di{Name: "zlib_devel", Version: "1.3", Architecture: "x86_64",
		Provides: []string{"zlib_devel = 1.3", "devel:libz = 1.3 compat >= 1"}, Requires: []string{"zlib == 1.3"},
		BuildRequires: []string{"haiku_devel"}, BuildPrerequires: []string{"cmd:gcc"}})
	write("app-2.0.DependencyInfo", di{Name: "app", Version: "2.0", Architecture: "x86_64",
		Provides: []string{"app = 2.0", "cmd:app"}, Requires: []string{"haiku", "lib:libz"},
		BuildRequires: []string{"haiku_devel", "devel:libz >= 1.3"}, BuildPrerequires: []string{"cmd:gcc"}})
	write("lonely-1.DependencyInfo", di{Name: "lonely", Version: "1", Architecture: "any",
		Provides: []string{"lonely = 1"}, BuildRequires: []string{"devel:libnothing"}})
	if err := os.WriteFile(filepath.Join(hpRepo, ".skipped", "broken-0.1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The system: Haiku and a build toolchain.
	var sys []pkginfo.PackageInfo
	add := func(name string, provides ...string) { sys = append(sys, systemPackage(t, name, provides...)) }
	add("haiku", "haiku = 1", "cmd:xres")
	add("haiku_devel", "haiku_devel = 1")
	add("toolchain", "toolchain", "coreutils", "cmd:bash", "cmd:find", "cmd:grep", "cmd:objcopy", "cmd:readelf",
		"cmd:sed", "cmd:strip", "cmd:gcc")
	system = filepath.Join(dir, "system.json")
	b, err := json.Marshal(sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(system, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return hpRepo, system
}

func TestPlanCommand(t *testing.T) {
	hp, sys := planFixture(t)
	src := []string{"--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	out, _, err := runKiln(t, append([]string{"plan", "app"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"plan for x86_64 (ports mode): 1 requested, 2 to build\n",
		"    1. zlib-1.3  (needed by app-2.0 (devel:libz >= 1.3))\n",
		"    2. app-2.0  (requested; outputs not yet published)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// JSON, everything mode: exactly the ports with missing outputs; the
	// broken one is reported, not requested.
	out, _, err = runKiln(t, append([]string{"plan", "--mode", "everything", "--json"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Requested, []string{"app-2.0", "lonely-1", "zlib-1.3"}) || !slices.Equal(p.Order, []string{"zlib-1.3", "app-2.0"}) {
		t.Errorf("requested %v order %v", p.Requested, p.Order)
	}
	if b := p.Port("broken-0.1"); b == nil || b.State != plan.StateBroken {
		t.Errorf("broken port: %+v", b)
	}
	if l := p.Port("lonely-1"); l.State != plan.StateBlocked || l.Missing[0].Requirement != "devel:libnothing" {
		t.Errorf("lonely: %+v", l)
	}

	// With zlib published, only app is built, against the published packages.
	repo := filepath.Join(t.TempDir(), "repo.json")
	var pub []pkginfo.PackageInfo
	for _, n := range []string{"zlib", "zlib_devel"} {
		r, _ := pkginfo.ParseResolvable(strings.Replace(n, "zlib", "lib:libz", 1) + " = 1.3 compat >= 1")
		if n == "zlib_devel" {
			r.Name = "devel:libz"
		}
		pub = append(pub, pkginfo.PackageInfo{Name: n, Architecture: pkginfo.ArchX86_64,
			Version: pkginfo.Version{Major: "1", Minor: "3", Revision: 1}, Provides: []pkginfo.Resolvable{r}})
	}
	b, _ := json.Marshal(pub)
	if err := os.WriteFile(repo, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runKiln(t, append([]string{"plan", "--json", "--repo", repo, "--mode", "everything"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	p = plan.Plan{}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Requested, []string{"app-2.0", "lonely-1"}) || !slices.Equal(p.Order, []string{"app-2.0"}) {
		t.Errorf("with zlib published: requested %v order %v", p.Requested, p.Order)
	}
	if u := p.Port("app-2.0").Uses; !slices.Contains(u, "zlib_devel-1.3-1-x86_64.hpkg") {
		t.Errorf("app uses %v", u)
	}
}

func TestPlanWhyCommand(t *testing.T) {
	hp, sys := planFixture(t)
	src := []string{"--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	out, _, err := runKiln(t, append([]string{"plan", "why", "--mode", "everything", "zlib", "lonely", "broken"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	want := "zlib-1.3 is built: requested; outputs not yet published\n" +
		"lonely-1 is not built: needs devel:libnothing (build-requires of lonely-1), which nothing provides\n" +
		"broken-0.1 is not built: broken: recipe error: skipped by HaikuPorter on x86_64 (broken or not buildable)\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Without a mode, the named ports are planned.
	out, _, err = runKiln(t, append([]string{"plan", "why", "app", "--json"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	var ex []plan.Explanation
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 || ex[0].State != plan.StateBuild || !ex[0].InPlan {
		t.Errorf("why app: %+v", ex)
	}
	if _, _, err := runKiln(t, append([]string{"plan", "why", "nothing"}, src...)...); err == nil || !strings.Contains(err.Error(), "no port or package named nothing") {
		t.Errorf("unknown port: %v", err)
	}
}

func TestPlanCommandErrors(t *testing.T) {
	hp, sys := planFixture(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "app", "--haikuporter-repository", hp}, "--arch is required"},
		{[]string{"plan", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}, "nothing to plan"},
		{[]string{"plan", "app", "--arch", "x86_64"}, "--tree or --haikuporter-repository is required"},
		{[]string{"plan", "app", "--haikuporter-repository", hp, "--arch", "vax"}, "unknown architecture"},
		{[]string{"plan", "--mode", "sometimes", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}, "unknown mode"},
		{[]string{"plan", "--mode", "update", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}, "update mode needs --from"},
		{[]string{"plan", "app", "--haikuporter-repository", hp, "--arch", "x86_64", "--repo", "/nonexistent"}, "--repo"},
		{[]string{"plan", "check", "--system-packages", sys}, "--repo is required"},
	} {
		_, _, err := runKiln(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

func TestPlanCheckCommand(t *testing.T) {
	repo := testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr")
	sys := testenv.Fixture(t, "system-packages/x86_gcc2")
	out, _, err := runKiln(t, "plan", "check", "--repo", repo, "--system-packages", sys, "--all-system-architectures")
	if exitCode(err) != 1 {
		t.Fatalf("exit code %d (%v), want 1", exitCode(err), err)
	}
	if !strings.HasPrefix(out, "repository consistency (x86): 235 packages, 5 system packages: ") {
		t.Errorf("output:\n%.300s", out)
	}
	out, _, _ = runKiln(t, "plan", "check", "--repo", repo, "--system-packages", sys, "--json")
	var r plan.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Packages != 235 || len(r.Unsatisfied) == 0 {
		t.Errorf("report: %d packages, %d unsatisfied", r.Packages, len(r.Unsatisfied))
	}

	// With the ports: a package no active port produces is obsolete.
	hp, system := planFixture(t)
	list := filepath.Join(t.TempDir(), "repo.json")
	if err := os.WriteFile(list, []byte(`[
		{"name": "lonely", "architecture": "any", "version": "1-1", "provides": [{"name": "lonely", "version": "1-1"}]},
		{"name": "gone", "architecture": "x86_64", "version": "2-1", "provides": [{"name": "gone", "version": "2-1"}]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runKiln(t, "plan", "check", "--repo", list, "--arch", "x86_64", "--system-packages", system, "--haikuporter-repository", hp)
	if exitCode(err) != 1 || !strings.Contains(out, "obsolete packages (1):\n  gone-2-1-x86_64.hpkg: no active port produces gone\n") {
		t.Errorf("exit %d (%v):\n%s", exitCode(err), err, out)
	}
	if _, _, err := runKiln(t, "plan", "check", "--repo", list, "--system-packages", system); err == nil || !strings.Contains(err.Error(), "--arch not given") {
		t.Errorf("no --arch for a JSON list: %v", err)
	}
}

func TestPlanUpdateCommand(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	hp, sys := planFixture(t)
	tree := t.TempDir()
	git := func(args ...string) string { return testenv.Git(t, tree, args...) }
	write := func(rel, content string) { testenv.WriteFile(t, tree, rel, content) }
	git("init", "-q")
	write("sys-libs/zlib/zlib-1.3.recipe", "one")
	write("app-misc/app/app-2.0.recipe", "one")
	git("add", "-A")
	git("commit", "-q", "-m", "one")
	from := git("rev-parse", "HEAD")
	write("app-misc/app/patches/app-2.0.patchset", "new")
	git("add", "-A")
	git("commit", "-q", "-m", "two")
	out, _, err := runKiln(t, "plan", "--json", "--from", from, "--tree", tree, "--haikuporter-repository", hp,
		"--arch", "x86_64", "--system-packages", sys)
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Mode != plan.ModeUpdate || !slices.Equal(p.Requested, []string{"app-2.0"}) || !slices.Equal(p.Order, []string{"zlib-1.3", "app-2.0"}) {
		t.Errorf("mode %s requested %v order %v", p.Mode, p.Requested, p.Order)
	}
}
