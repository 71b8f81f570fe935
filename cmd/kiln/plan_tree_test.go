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
	for _, rel := range []string{
		"sys-libs/zlib/zlib-1.3.2.recipe", "sys-libs/zlib/patches/zlib-1.3.2.patchset", "sys-libs/zlib/licenses/Zlib",
		"app-arch/pigz/pigz-2.8.recipe",
	} {
		b, err := os.ReadFile(filepath.Join(corpus, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tree, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", tree}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
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
		p := pkginfo.PackageInfo{Name: name, Architecture: pkginfo.ArchX86_64, Version: pkginfo.Version{Major: "1", Revision: 1}}
		for _, s := range provides {
			r, err := pkginfo.ParseResolvable(s)
			if err != nil {
				t.Fatal(err)
			}
			p.Provides = append(p.Provides, r)
		}
		sys = append(sys, p)
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
