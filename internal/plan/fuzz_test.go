package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// FuzzPlan builds a random tree from the input (each byte pair an edge
// between two of 12 ports, some broken, some published) and checks that
// planning terminates with a consistent plan: every port ordered after
// what it needs, cycles reported with members, blocked ports with a cause.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 2, 0, 3, 4})
	f.Add([]byte{0, 0})
	f.Add([]byte{5, 6, 6, 7, 7, 8, 8, 5, 9, 5, 0x81, 0x42})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 200 {
			return
		}
		const n = 12
		build := make([][]string, n)
		var broken, pub [n]bool
		for i := 0; i+1 < len(data); i += 2 {
			a, b := int(data[i]%n), int(data[i+1]%n)
			switch {
			case data[i]&0x80 != 0:
				broken[a] = true
			case data[i+1]&0x80 != 0:
				pub[b] = true
			case data[i]&0x40 != 0:
				build[a] = append(build[a], fmt.Sprintf("lib%d >= 2", b)) // only the port provides 2
			default:
				build[a] = append(build[a], fmt.Sprintf("lib%d", b))
			}
		}
		var ports []*recipe.Port
		var repo []*pkginfo.PackageInfo
		for i := range n {
			d := sp{id: fmt.Sprintf("p%d-2", i), build: build[i],
				pkgs: []pk{{provides: []string{fmt.Sprintf("p%d = 2", i), fmt.Sprintf("lib%d = 2", i)}}}}
			if broken[i] {
				d.err = "broken"
			}
			p := mkPort(t, d)
			ports = append(ports, p)
			if pub[i] {
				// An older version is published: it satisfies "libN" but not "libN >= 2".
				repo = append(repo, mkInfo(t, fmt.Sprintf("p%d", i), "1-1", "x86_64", []string{fmt.Sprintf("lib%d = 1", i)}, nil))
			}
		}
		in := Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, Repository: repo}
		pl, err := New(in, Options{ScriptletPrerequires: []pkginfo.Expression{}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := pl.Plan(context.Background(), Request{Mode: ModeEverything})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, p)
		for _, pp := range p.Ports {
			if _, err := pl.Why(p, pp.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzHaikuPorterRepository loads a HaikuPorter repository folder whose one
// DependencyInfo file is the input, then plans with it: errors are fine,
// panics and inconsistent plans are not.
func FuzzHaikuPorterRepository(f *testing.F) {
	f.Add([]byte(`{"name": "a", "version": "1", "architecture": "x86_64", "provides": ["a = 1", "lib:liba = 1 compat >= 0"],
		"requires": ["haiku"], "buildRequires": ["a"], "buildPrerequires": ["cmd:gcc"], "testRequires": []}`))
	f.Add([]byte(`{"name": "a", "version": "1~x", "architecture": "any", "provides": ["a"], "requires": ["b >= 1~", "c base"]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".portIdForPackageIdMap"), []byte(`{"a-1": "a-1"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "a-1.DependencyInfo"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		target := recipe.Target{Arch: pkginfo.ArchX86_64}
		ports, err := LoadHaikuPorterRepository(dir, target)
		if err != nil {
			return
		}
		pl, err := New(Input{Target: target, Ports: ports}, Options{})
		if err != nil {
			return
		}
		p, err := pl.Plan(context.Background(), Request{Mode: ModeEverything})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, p)
		r := Check(CheckInput{Arch: target.Arch, Repository: published(ports[0]), Ports: ports})
		var b strings.Builder
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
	})
}
