package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestPlanTreeCommand plans on a small tree evaluated by kiln (zlib and
// pigz, copied from the corpus into a git checkout): the order, and update
// mode through package ports' file mapping.
func TestPlanTreeCommand(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	corpus := testenv.Corpus(t)
	tree := t.TempDir()
	testenv.CopyTree(t, tree, corpus,
		"sys-libs/zlib/zlib-1.3.2.recipe", "sys-libs/zlib/patches/zlib-1.3.2.patchset", "sys-libs/zlib/licenses/Zlib",
		"app-arch/pigz/pigz-2.8.recipe")
	git := func(args ...string) string { return testenv.Git(t, tree, args...) }
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "one")
	from := git("rev-parse", "HEAD")

	// The system: Haiku and a toolchain.
	var sys []pkginfo.PackageInfo
	for name, provides := range map[string][]string{
		"haiku":       {"haiku = r1~beta5-1", "cmd:xres"},
		"haiku_devel": {"haiku_devel = r1~beta5-1"},
		"toolchain": {"coreutils", "cmd:bash", "cmd:find", "cmd:grep", "cmd:objcopy", "cmd:readelf", "cmd:sed",
			"cmd:strip", "cmd:gcc", "cmd:ld", "cmd:make", "cmd:cmake", "cmd:awk", "cmd:pkg_config"},
	} {
		sys = append(sys, systemPackage(t, name, provides...))
	}
	sysFile := filepath.Join(t.TempDir(), "system.json")
	b, _ := json.Marshal(sys)
	if err := os.WriteFile(sysFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src := []string{"--tree", tree, "--licenses", filepath.Join(testenv.SharedDir(t), "corpus", "known-licenses.txt"),
		"--arch", "x86_64", "--system-packages", sysFile, "--json"}
	run := func(args ...string) plan.Plan {
		t.Helper()
		out, _, err := runKiln(t, append(append([]string{"plan"}, args...), src...)...)
		if err != nil {
			t.Fatal(err)
		}
		var p plan.Plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := run("pigz")
	if !slices.Equal(p.Requested, []string{"pigz-2.8"}) || !slices.Equal(p.Order, []string{"zlib-1.3.2", "pigz-2.8"}) {
		t.Errorf("requested %v order %v; ports %+v", p.Requested, p.Order, p.Ports)
	}

	// A changed patch selects the port whose recipe names it.
	patch := filepath.Join(tree, "sys-libs/zlib/patches/zlib-1.3.2.patchset")
	if err := os.WriteFile(patch, []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("commit", "-q", "-am", "two")
	p = run("--from", from)
	if p.Mode != plan.ModeUpdate || !slices.Equal(p.Requested, []string{"zlib-1.3.2"}) || !slices.Equal(p.Order, []string{"zlib-1.3.2"}) {
		t.Errorf("update: mode %s requested %v order %v", p.Mode, p.Requested, p.Order)
	}
}
