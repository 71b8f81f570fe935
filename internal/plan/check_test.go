package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestCheckSynthetic(t *testing.T) {
	repo := []*pkginfo.PackageInfo{
		mkInfo(t, "app", "1-1", "x86_64", []string{"app = 1", "cmd:app"}, []string{"lib:libfoo >= 1.2", "haiku"}),
		mkInfo(t, "foo", "1.5-1", "x86_64", []string{"foo = 1.5", "lib:libfoo = 1.5"}, nil),
		mkInfo(t, "bar", "2-1", "x86_64", []string{"bar = 2", "lib:libbar = 2 compat >= 1"}, []string{"lib:libgone"}),
		mkInfo(t, "baz", "1-1", "x86_64", []string{"baz = 1"}, []string{"lib:libbar >= 1.5"}),
		mkInfo(t, "py3", "3.10-1", "x86_64", []string{"py3 = 3.10", "cmd:python3"}, nil),
		mkInfo(t, "py3x", "3.12-1", "x86_64", []string{"py3x = 3.12", "cmd:python3"}, nil),
		mkInfo(t, "tool", "1-1", "x86_64", []string{"tool = 1"}, []string{"cmd:python3"}),
		mkInfo(t, "tool", "0.9-1", "x86_64", []string{"tool = 0.9"}, nil),
		mkInfo(t, "other", "1-1", "x86", []string{"other = 1"}, []string{"nothing"}), // another architecture: ignored
	}
	sys := []*pkginfo.PackageInfo{mkInfo(t, "haiku", "r1~beta5-1", "x86_64", []string{"haiku = r1~beta5-1 compat >= r1~alpha1"}, nil)}
	r := Check(CheckInput{Arch: pkginfo.ArchX86_64, Repository: repo, System: sys})
	wantUnsat := []Unsatisfied{
		{Package: "app-1-1-x86_64.hpkg", Requirement: "lib:libfoo >= 1.2", HaikuPorterAccepts: "foo-1.5-1-x86_64.hpkg"},
		{Package: "bar-2-1-x86_64.hpkg", Requirement: "lib:libgone"},
	}
	if !slices.Equal(r.Unsatisfied, wantUnsat) {
		t.Errorf("unsatisfied %+v", r.Unsatisfied)
	}
	wantUninst := []Uninstallable{
		{Package: "app-1-1-x86_64.hpkg", Because: "lib:libfoo >= 1.2"},
		{Package: "bar-2-1-x86_64.hpkg", Because: "lib:libgone"},
		{Package: "baz-1-1-x86_64.hpkg", Because: "lib:libbar >= 1.5 -> bar-2-1-x86_64.hpkg"},
	}
	if !slices.Equal(r.Uninstallable, wantUninst) {
		t.Errorf("uninstallable %+v", r.Uninstallable)
	}
	if len(r.Conflicts) != 1 || r.Conflicts[0].Resolvable != "cmd:python3" ||
		!slices.Equal(r.Conflicts[0].Providers, []string{"py3-3.10-1-x86_64.hpkg", "py3x-3.12-1-x86_64.hpkg"}) ||
		!slices.Equal(r.Conflicts[0].RequiredBy, []string{"tool-1-1-x86_64.hpkg"}) {
		t.Errorf("conflicts %+v", r.Conflicts)
	}
	if len(r.Duplicates) != 1 || !slices.Equal(r.Duplicates[0].Files, []string{"tool-1-1-x86_64.hpkg", "tool-0.9-1-x86_64.hpkg"}) {
		t.Errorf("duplicates %+v", r.Duplicates)
	}
	if !slices.Equal(r.Installable, []string{"foo", "py3", "py3x", "tool"}) {
		t.Errorf("installable %v", r.Installable)
	}
	if r.Problems() != 5 || len(r.Obsolete) != 0 {
		t.Errorf("problems %d, obsolete %v", r.Problems(), r.Obsolete)
	}

	// With ports: HaikuPorter's three prune rules.
	ports := []*recipe.Port{
		mkPort(t, sp{id: "foo-1.4", pkgs: []pk{{provides: []string{"foo"}}}}),
		mkPort(t, sp{id: "tool-1", pkgs: []pk{{provides: []string{"tool"}}}}),
		mkPort(t, sp{id: "app-1", pkgs: []pk{{provides: []string{"app"}}}}),
		mkPort(t, sp{id: "py3-3.10", pkgs: []pk{{provides: []string{"py3"}}}}),
		mkPort(t, sp{id: "py3x-3.12", err: "bad recipe", pkgs: []pk{{provides: []string{"py3x"}}}}),
	}
	r = Check(CheckInput{Arch: pkginfo.ArchX86_64, Repository: repo, System: sys, Ports: ports})
	want := []Obsolete{
		{Package: "bar-2-1-x86_64.hpkg", Reason: "no active port produces bar"},
		{Package: "baz-1-1-x86_64.hpkg", Reason: "no active port produces baz"},
		{Package: "foo-1.5-1-x86_64.hpkg", Reason: "newer than 1.4-1, which the active port foo-1.4 produces"},
		{Package: "py3x-3.12-1-x86_64.hpkg", Reason: "no active port produces py3x (port py3x-3.12 is not active: recipe error: bad recipe)"},
		{Package: "tool-0.9-1-x86_64.hpkg", Reason: "a newer version (1-1) is published"},
	}
	if !slices.Equal(r.Obsolete, want) {
		t.Errorf("obsolete:\n%+v\nwant\n%+v", r.Obsolete, want)
	}

	// Removing py3 and py3x makes tool-1 uninstallable, but tool-0.9 can
	// still be installed: only the removed names regress.
	before := Check(CheckInput{Arch: pkginfo.ArchX86_64, Repository: repo, System: sys})
	after := Check(CheckInput{Arch: pkginfo.ArchX86_64, Repository: slices.Delete(slices.Clone(repo), 4, 6), System: sys})
	reg := after.Regressions(before)
	if !slices.Equal(reg, []Regression{{Name: "py3", Now: "removed"}, {Name: "py3x", Now: "removed"}}) {
		t.Errorf("regressions %+v", reg)
	}
	if !slices.Contains(after.Uninstallable, Uninstallable{Package: "tool-1-1-x86_64.hpkg", Because: "cmd:python3"}) {
		t.Errorf("uninstallable after %+v", after.Uninstallable)
	}
	// Without tool-0.9, tool itself regresses, with the reason.
	after = Check(CheckInput{Arch: pkginfo.ArchX86_64, Repository: []*pkginfo.PackageInfo{repo[0], repo[1], repo[2], repo[3], repo[6]}, System: sys})
	reg = after.Regressions(before)
	if len(reg) != 3 || reg[2] != (Regression{Name: "tool", Now: "tool-1-1-x86_64.hpkg: cmd:python3"}) {
		t.Errorf("regressions %+v", reg)
	}
	if got := before.Regressions(before); len(got) != 0 {
		t.Errorf("self regressions %+v", got)
	}
}

func TestCheckRepositoryFixture(t *testing.T) {
	repo, err := LoadPackages(testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	if len(repo) != 235 {
		t.Fatalf("%d packages", len(repo))
	}
	sys, err := LoadPackages(testenv.Fixture(t, "system-packages/x86_gcc2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		golden string
		all    bool
	}{
		{"check-repo-2013-x86.txt", false},
		{"check-repo-2013-x86-allsys.txt", true},
	} {
		r := Check(CheckInput{Arch: pkginfo.ArchX86, Repository: repo, System: sys, AllSystemArchitectures: c.all})
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, c.golden, b.Bytes())
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		if r.Problems() == 0 {
			t.Errorf("%s: no problems found", c.golden)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff)", name)
	}
}
