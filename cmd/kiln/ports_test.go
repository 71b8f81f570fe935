package main

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// smallTree copies a few corpus ports (one of them broken here for its
// license) into a new tree.
func smallTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	testenv.CopyTree(t, dst, testenv.Corpus(t), "sys-libs/zlib", "games-strategy/1oom", "dev-build/cmake_gui")
	return dst
}

func licensesFile(t *testing.T) string {
	return filepath.Join(testenv.SharedDir(t), "corpus", "known-licenses.txt")
}

func TestRecipeEval(t *testing.T) {
	tree := smallTree(t)
	lic := licensesFile(t)
	zlib := filepath.Join(tree, "sys-libs/zlib/zlib-1.3.2.recipe")

	out, _, err := runKiln(t, "recipe", "eval", zlib) // built-in license list
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"zlib-1.3.2 (sys-libs/zlib/zlib-1.3.2.recipe) on x86_64: stable, buildable\n",
		"  package zlib_devel-1.3.2-",
		"    provides lib:libz = ",
		"  build prerequires:\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runKiln(t, "recipe", "eval", "--json", "--arch", "x86_gcc2", "--secondary", "x86", "--licenses", lic, zlib)
	if err != nil {
		t.Fatal(err)
	}
	var p recipe.Port
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "zlib_x86" || len(p.Packages) != 2 || p.Packages[1].Name != "zlib_x86_devel" || p.Packages[0].Architecture.String() != "x86_gcc2" {
		t.Errorf("secondary evaluation: %+v", p)
	}

	// cmake_gui's license is neither known nor in its own licenses/ folder.
	out, _, err = runKiln(t, "recipe", "eval", "--licenses", lic, filepath.Join(tree, "dev-build/cmake_gui/cmake_gui-4.1.6.recipe"))
	var ec *errExitCode
	if !errors.As(err, &ec) || ec.code != 1 || !strings.Contains(err.Error(), "no match found for license CMake") {
		t.Errorf("broken recipe: err %v", err)
	}
	if !strings.Contains(out, ": broken\n  error: ") {
		t.Errorf("broken recipe output:\n%s", out)
	}

	if _, _, err := runKiln(t, "recipe", "eval", filepath.Join(tree, "nope.recipe")); err == nil {
		t.Error("missing recipe accepted")
	}
	if _, _, err := runKiln(t, "recipe", "eval", "--arch", "vax", zlib); err == nil || !strings.Contains(err.Error(), "--arch") {
		t.Errorf("bad arch: %v", err)
	}
}

func TestPortsListShow(t *testing.T) {
	tree := smallTree(t)
	lic := licensesFile(t)
	cache := t.TempDir()
	out, _, err := runKiln(t, "ports", "list", "--tree", tree, "--licenses", lic, "--cache", cache)
	if err != nil {
		t.Fatal(err)
	}
	if want := "NAME  VERSION  CATEGORY        PACKAGES\n1oom  1.0-2    games-strategy  1\nzlib  1.3.2-"; !strings.HasPrefix(out, want) {
		t.Errorf("ports list:\n%s\nwant prefix %q", out, want)
	}
	if strings.Contains(out, "cmake_gui") {
		t.Errorf("broken cmake_gui listed as active:\n%s", out)
	}
	out, _, err = runKiln(t, "ports", "list", "--tree", tree, "--licenses", lic, "--cache", cache, "--skipped")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "PORT             STATUS  REASON\ncmake_gui-4.1.6  broken  no match found for license CMake") {
		t.Errorf("ports list --skipped:\n%s", out)
	}
	out, _, err = runKiln(t, "ports", "list", "--tree", tree, "--licenses", lic, "--json", "--arch", "x86_gcc2", "--secondary", "x86")
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Packages []struct {
			recipe.DependencyInfo
			Port string
		}
		Skipped []struct{ ID, Reason string }
		Stats   struct{ Recipes, Evaluated int }
	}
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatal(err)
	}
	portsSeen := map[string]bool{}
	var names []string
	for _, p := range tr.Packages {
		if !portsSeen[p.Port] {
			portsSeen[p.Port] = true
			names = append(names, p.Port)
		}
		if p.Name == "zlib_x86_devel" {
			if p.Architecture != "x86_gcc2" || p.Port != "zlib_x86-1.3.2" || !slices.Contains(p.Requires, "zlib_x86 == 1.3.2 base") || !slices.Contains(p.BuildRequires, "haiku_x86_devel") {
				t.Errorf("zlib_x86_devel package: %+v", p)
			}
		}
	}
	if got := strings.Join(names, " "); got != "1oom_x86-1.0 zlib-1.3.2 zlib_x86-1.3.2" || tr.Stats.Recipes != 3 {
		t.Errorf("x86_gcc2 active ports %q, stats %+v", got, tr.Stats)
	}
	skippedCMake := false
	for _, s := range tr.Skipped {
		skippedCMake = skippedCMake || (s.ID == "cmake_gui-4.1.6" && strings.HasPrefix(s.Reason, "no match found for license CMake"))
	}
	if !skippedCMake {
		t.Errorf("x86_gcc2 skipped: %+v", tr.Skipped)
	}

	out, _, err = runKiln(t, "ports", "show", "zlib", "--tree", tree, "--licenses", lic, "--cache", cache)
	if err != nil || !strings.HasPrefix(out, "zlib-1.3.2 (sys-libs/zlib/zlib-1.3.2.recipe) on x86_64: stable, buildable") {
		t.Errorf("ports show zlib: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "ports", "show", "cmake_gui", "--tree", tree, "--licenses", lic, "--cache", cache)
	var ec *errExitCode
	if !errors.As(err, &ec) || !strings.Contains(out, "skipped cmake_gui-4.1.6: no match found for license CMake") {
		t.Errorf("ports show cmake_gui: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "ports", "show", "cmake_gui-4.1.6", "--tree", tree, "--licenses", lic, "--json")
	if err != nil || !strings.Contains(out, `"error": "no match found for license CMake`) {
		t.Errorf("ports show cmake_gui-4.1.6: %v\n%s", err, out)
	}
	if _, _, err := runKiln(t, "ports", "show", "nosuchport", "--tree", tree); err == nil {
		t.Error("unknown port accepted")
	}
	if _, _, err := runKiln(t, "ports", "list"); err == nil || !strings.Contains(err.Error(), "--tree") {
		t.Errorf("ports list without --tree: %v", err)
	}
}
