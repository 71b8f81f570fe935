package plan

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// HaikuPorter's own evaluation of the real tree (x86_64, commit 785d8af):
// the DependencyInfo files of every active port, grouped into ports with
// .portIdForPackageIdMap, plus the skipped (broken) port versions. This
// gives real-tree inputs independent of kiln's recipe evaluation.

var refOnce struct {
	sync.Once
	ports []*recipe.Port
	err   error
}

func referencePorts(t testing.TB) []*recipe.Port {
	t.Helper()
	dir := testenv.Reference(t)
	refOnce.Do(func() {
		refOnce.ports, refOnce.err = LoadHaikuPorterRepository(dir, recipe.Target{Arch: pkginfo.ArchX86_64})
	})
	if refOnce.err != nil {
		t.Fatal(refOnce.err)
	}
	// Callers may not modify the ports; give each a fresh slice.
	return slices.Clone(refOnce.ports)
}

func systemPackages(t testing.TB, arch string) []*pkginfo.PackageInfo {
	t.Helper()
	sys, err := LoadPackages(testenv.Fixture(t, "system-packages/"+arch))
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// verifyBlocked checks, independently of the planner, that every missing
// requirement a plan names is truly unsatisfiable: no repository or system
// package and no package of a port that is built on the target provides a
// matching resolvable (HaikuPorter's rule, by a plain scan of all
// providers).
func verifyBlocked(t *testing.T, p *Plan, in Input, allow bool) (blocked int) {
	t.Helper()
	type prov struct {
		r    pkginfo.Resolvable
		file bool
	}
	var all []prov
	counts := func(a pkginfo.Architecture) bool {
		return a == in.Target.Arch || a == pkginfo.ArchAny || a == pkginfo.ArchSource
	}
	for _, l := range [][]*pkginfo.PackageInfo{in.Repository, in.System} {
		for _, pi := range l {
			if counts(pi.Architecture) {
				for _, r := range pi.Provides {
					all = append(all, prov{r, true})
				}
			}
		}
	}
	for _, port := range in.Ports {
		if port.Error != "" || !(port.Status == recipe.StatusStable || allow && port.Status == recipe.StatusUntested) {
			continue
		}
		for _, pk := range port.Packages {
			if counts(pk.Architecture) {
				for _, r := range pk.Provides {
					all = append(all, prov{r, false})
				}
			}
		}
	}
	for _, pp := range p.InState(StateBlocked) {
		blocked++
		if len(pp.Missing) == 0 {
			// Blocked only by a dependency; that one must not be built.
			for _, d := range pp.BlockedBy {
				if p.Port(d).State == StateBuild {
					t.Errorf("%s is blocked by %s, which is built", pp.ID, d)
				}
			}
			continue
		}
		for _, m := range pp.Missing {
			e, err := pkginfo.ParseExpression(m.Requirement)
			if err != nil {
				t.Fatalf("%s: missing %q does not parse: %v", pp.ID, m.Requirement, err)
			}
			for _, pr := range all {
				if e.Base && pr.file {
					continue
				}
				if RuleHaikuPorter.Matches(e, pr.r) {
					t.Errorf("%s: %q is named missing but %s provides it", pp.ID, m.Requirement, pr.r)
					break
				}
			}
		}
	}
	return blocked
}

func TestReferenceTreeEmptyRepository(t *testing.T) {
	ports := referencePorts(t)
	in := Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, System: systemPackages(t, "x86_64")}
	_, p := planEverything(t, in)
	checkInvariants(t, p)
	blocked := verifyBlocked(t, p, in, false)
	// With nothing published, everything buildable is requested.
	if len(p.Requested) < 3000 {
		t.Errorf("only %d ports requested", len(p.Requested))
	}
	// gcc needs a compiler to build: without a published one it cannot be
	// bootstrapped, and the cycle is reported, not hidden.
	if len(p.Cycles) == 0 {
		t.Error("no cycles found in the real tree with an empty repository")
	}
	// The same input in another order gives the same plan, byte for byte.
	rev := slices.Clone(ports)
	slices.Reverse(rev)
	_, p2 := planEverything(t, Input{Target: in.Target, Ports: rev, System: in.System})
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(p2)
	if !bytes.Equal(a, b) {
		t.Error("the plan depends on the order of the ports given")
	}
	t.Logf("%d ports, %d requested, %d to build, %d blocked, %d in %d cycles, %d broken",
		len(ports), len(p.Requested), len(p.Order), blocked, len(p.InState(StateCycle)), len(p.Cycles), len(p.InState(StateBroken)))
}

func TestReferenceTreePartlyPublished(t *testing.T) {
	// Publish everything HaikuPorter would build except every 7th port;
	// ports that then end up in a cycle (bash needs cmd:bash to build) are
	// published too, until no cycle is left, as a real repository has them.
	// Then exactly the unpublished ports are requested in everything
	// mode, and the plan must order them by their dependencies.
	ports := referencePorts(t)
	unpublished := make(map[string]bool)
	for i, p := range ports {
		if p.Error == "" && i%7 == 0 {
			unpublished[p.ID()] = true
		}
	}
	sys := systemPackages(t, "x86_64")
	var in Input
	var p *Plan
	var pl *Planner
	for round := 0; ; round++ {
		var repo []*pkginfo.PackageInfo
		for _, port := range ports {
			if port.Error == "" && !unpublished[port.ID()] {
				repo = append(repo, published(port)...)
			}
		}
		in = Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, Repository: repo, System: sys}
		pl, p = planEverything(t, in)
		if len(p.Cycles) == 0 {
			break
		}
		if round == 10 {
			t.Fatalf("still %d cycles after %d rounds", len(p.Cycles), round)
		}
		for _, c := range p.Cycles {
			for _, id := range c {
				delete(unpublished, id)
			}
		}
	}
	checkInvariants(t, p)
	var want []string
	for id := range unpublished {
		want = append(want, id)
	}
	slices.Sort(want)
	if !slices.Equal(p.Requested, want) {
		t.Errorf("everything mode requested %d ports, want exactly the %d unpublished ones", len(p.Requested), len(want))
	}
	blocked := verifyBlocked(t, p, in, false)
	needsSome := 0
	for _, id := range p.Order {
		if len(p.Port(id).Needs) > 0 {
			needsSome++
		}
	}
	if len(p.Order) == 0 || needsSome == 0 {
		t.Errorf("order of %d ports, %d with dependencies in the run: nothing to check", len(p.Order), needsSome)
	}
	t.Logf("%d requested, %d to build (%d after dependencies built in the same run), %d blocked",
		len(p.Requested), len(p.Order), needsSome, blocked)

	// Why on every port of the plan gives one line.
	for _, pp := range p.Ports {
		ex, err := pl.Why(p, pp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Line == "" || strings.Contains(ex.Line, "\n") {
			t.Errorf("why %s: %q", pp.ID, ex.Line)
		}
	}
}
