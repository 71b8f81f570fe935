package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
)

// TestTreePlans evaluates the demo tree as a real target would and checks
// it shows what the demo is for: a dependency chain to build in order, an
// inactive older version, a blocked port and a broken one.
func TestTreePlans(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "tree")
	commit, err := WriteTree(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(commit) != 40 {
		t.Fatalf("commit %q", commit)
	}
	again, err := WriteTree(ctx, dir)
	if err != nil || again != commit {
		t.Fatalf("second WriteTree = %q, %v; want the same commit %s", again, err, commit)
	}
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	tree, err := ports.Load(ctx, dir, target, ports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, p := range tree.Active {
		active = append(active, p.ID())
	}
	slices.Sort(active)
	// kilnsh is broken on x86_64, so its only version is skipped.
	want := slices.DeleteFunc(slices.Clone(Ports), func(s string) bool { return s == "kilnsh-5.1" })
	if !slices.Equal(active, want) {
		t.Fatalf("active ports %v, want %v", active, want)
	}
	system, err := SystemInfos(pkginfo.ArchX86_64)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(plan.Input{Target: target, Ports: plan.TreePorts(tree.Active, nil), System: system}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(ctx, plan.Request{Mode: plan.ModeEverything})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, id := range p.Order {
		pos[id] = i
	}
	for _, id := range []string{"libkiln-1.2.0", "libglaze-0.9.1", "pkgconf_lite-2.1.0", "kilnpaint-0.4", "tilecraft-3.0.2", "glazedoc-1.0"} {
		if _, ok := pos[id]; !ok {
			t.Errorf("%s not in the build order %v", id, p.Order)
		}
	}
	for _, e := range [][2]string{{"libkiln-1.2.0", "libglaze-0.9.1"}, {"libglaze-0.9.1", "kilnpaint-0.4"}, {"pkgconf_lite-2.1.0", "kilnpaint-0.4"}, {"libkiln-1.2.0", "tilecraft-3.0.2"}} {
		if pos[e[0]] >= pos[e[1]] {
			t.Errorf("%s is not built before %s: %v", e[0], e[1], p.Order)
		}
	}
	if pp := p.Port("kilnfetch-0.7"); pp == nil || pp.State != plan.StateBlocked {
		t.Errorf("kilnfetch: %+v, want blocked", pp)
	}
}

func TestWriteSystem(t *testing.T) {
	for _, tc := range []struct {
		arch      pkginfo.Architecture
		secondary []pkginfo.Architecture
		n         int
	}{
		{pkginfo.ArchX86_64, nil, 3},
		{pkginfo.ArchX86Gcc2, []pkginfo.Architecture{pkginfo.ArchX86}, 6},
	} {
		dir := t.TempDir()
		paths, err := WriteSystem(dir, tc.arch, tc.secondary...)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != tc.n {
			t.Fatalf("%s: %d packages, want %d", tc.arch, len(paths), tc.n)
		}
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			v, err := hpkg.Validate(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if v.Info.CanonicalFileName() != filepath.Base(p) {
				t.Errorf("%s holds %s", p, v.Info.CanonicalFileName())
			}
		}
	}
}
