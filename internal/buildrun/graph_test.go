package buildrun

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// synthGraph makes n ports p000-1.0 … with a seeded random dependency
// graph: port i build-requires the devel packages of up to 4 earlier
// ports, and its base package requires the base package of the first of
// them at runtime. Every port also build-requires "haiku" (a system
// package). Each port produces pNNN and pNNN_devel.
func synthGraph(t testing.TB, n int, seed uint64) map[string]*recipe.Port {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	ports := map[string]*recipe.Port{}
	v, err := pkginfo.ParseVersion("1.0")
	if err != nil {
		t.Fatal(err)
	}
	v.Revision = 1
	for i := range n {
		name := fmt.Sprintf("p%03d", i)
		p := &recipe.Port{Name: name, BaseName: name, Version: "1.0", Revision: 1, Category: "synth",
			RecipePath: "synth/" + name + "/" + name + "-1.0.recipe", Target: recipe.Target{Arch: pkginfo.ArchX86_64},
			Status: recipe.StatusStable, Buildable: true}
		p.BuildRequires = append(p.BuildRequires, pkginfo.Expression{Name: "haiku"})
		var deps []int
		if i > 0 {
			for range rng.IntN(5) {
				// Mostly recent ports, so that chains get long.
				d := i - 1 - rng.IntN(min(i, 12))
				if rng.IntN(4) == 0 {
					d = rng.IntN(i)
				}
				deps = append(deps, d)
			}
		}
		var requires []pkginfo.Expression
		for k, d := range deps {
			p.BuildRequires = append(p.BuildRequires, pkginfo.Expression{Name: fmt.Sprintf("devel:p%03d", d)})
			if k == 0 {
				requires = append(requires, pkginfo.Expression{Name: fmt.Sprintf("p%03d", d)})
			}
		}
		p.Packages = []recipe.Package{
			{Name: name, Type: "general", Architecture: pkginfo.ArchX86_64, Version: v, Status: recipe.StatusStable,
				Provides: []pkginfo.Resolvable{{Name: name, Version: v}}, Requires: requires},
			{Name: name + "_devel", Suffix: "devel", Type: "devel", Architecture: pkginfo.ArchX86_64, Version: v, Status: recipe.StatusStable,
				Provides: []pkginfo.Resolvable{{Name: name + "_devel", Version: v}, {Name: "devel:" + name, Version: v}},
				Requires: []pkginfo.Expression{{Name: name}}},
		}
		ports[p.ID()] = p
	}
	return ports
}

// testEnv is a target in a store with system packages and a plan.
type testEnv struct {
	st     store.Store
	target repo.Target
	repo   *repo.Repo
	sys    SystemPackages
	ports  map[string]*recipe.Port
	info   *pkginfo.RepositoryInfo
}

func newEnv(t testing.TB, st store.Store, ports map[string]*recipe.Port) *testEnv {
	t.Helper()
	dir := t.TempDir()
	hv, _ := pkginfo.ParseVersion("r1~beta5")
	hv.Revision = 1
	haiku := &recipe.Package{Name: "haiku", Architecture: pkginfo.ArchX86_64, Version: hv,
		Provides: []pkginfo.Resolvable{{Name: "haiku", Version: hv}}}
	b, err := fakePackage(haiku)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, haiku.FileName()), b, 0o644); err != nil {
		t.Fatal(err)
	}
	sys, err := SystemDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tg := repo.Target{Branch: "master", Arch: "x86_64"}
	return &testEnv{st: st, target: tg, repo: repo.New(st, tg, repo.Options{LeaseTTL: 2 * time.Second, Holder: "test-publisher"}), sys: sys, ports: ports,
		info: &pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
			BaseURL: "https://example.com/master/x86_64/current", Vendor: "Haiku Project", Summary: "test", Priority: 1,
			Architecture: pkginfo.ArchX86_64}}
}

// plan plans every port whose outputs are not in the repository.
func (e *testEnv) plan(t testing.TB) *plan.Plan {
	t.Helper()
	var ports []*recipe.Port
	for _, p := range e.ports {
		ports = append(ports, p)
	}
	in := plan.Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, System: e.sys.Infos()}
	if _, m, err := e.repo.Current(context.Background()); err == nil {
		for i := range m.Packages {
			in.Repository = append(in.Repository, &m.Packages[i].Info)
		}
	}
	pl, err := plan.New(in, plan.Options{ScriptletPrerequires: []pkginfo.Expression{}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(context.Background(), plan.Request{Mode: plan.ModeEverything})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *testEnv) options(bs []builder.Builder) Options {
	o := Options{Store: e.st, Target: e.target, Repo: e.repo, System: e.sys, RepoInfo: e.info,
		LogFlush: 20 * time.Millisecond, StatusInterval: 20 * time.Millisecond, RetryBackoff: 10 * time.Millisecond,
		HangTimeout: 5 * time.Second, BuildTimeout: time.Minute, Holder: "test"}
	o.Builders = bs
	return o
}

func (e *testEnv) verify(t testing.TB) *repo.Report {
	t.Helper()
	rp, err := e.repo.Verify(context.Background(), repo.VerifyOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rp.OK() {
		t.Errorf("verify --deep: %v", rp.Problems)
	}
	return rp
}

func openFileStore(t testing.TB) store.Store {
	t.Helper()
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type (
	portT = recipe.Port
	pkgT  = recipe.Package
)

var (
	targetX86 = recipe.Target{Arch: pkginfo.ArchX86_64}
	stable    = recipe.StatusStable
)
