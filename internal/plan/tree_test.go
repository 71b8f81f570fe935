package plan

import (
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestRealTree evaluates the real tree with package ports (kiln's own
// recipe evaluation) and plans everything against an empty repository and
// the x86_64 system packages: no port may be ordered before anything it
// needs, and every requirement named missing must truly have no provider.
func TestRealTree(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates every recipe of the corpus")
	}
	settings := recipe.DefaultSettings()
	settings.PackageLinksDirectory = "/packages"
	settings.BuildArchitecture = "x86_64"
	settings.KnownLicenses = testenv.KnownLicenses(t)
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	start := time.Now()
	tree, err := ports.Load(t.Context(), testenv.Corpus(t), target, ports.Options{Settings: &settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("evaluated %d recipes in %v: %d active ports, %d skipped versions",
		tree.Stats.Recipes, time.Since(start).Round(time.Second), len(tree.Active), len(tree.Skipped))
	skipped := make([]Skipped, len(tree.Skipped))
	for i, s := range tree.Skipped {
		skipped[i] = Skipped{Name: s.Name, Version: s.Version, Status: s.Status, Reason: s.Reason}
	}
	in := Input{Target: target, Ports: TreePorts(tree.Active, skipped), System: systemPackages(t, "x86_64")}
	pl, p := planEverything(t, in)
	checkInvariants(t, p)
	blocked := verifyBlocked(t, p, in, false)
	if len(p.Requested) < 3000 {
		t.Errorf("only %d ports requested", len(p.Requested))
	}

	// Compare the verdicts with those planned from HaikuPorter's own
	// evaluation of the same tree.
	ref := referencePorts(t)
	_, rp := planEverything(t, Input{Target: target, Ports: ref, System: in.System})
	// HaikuPorter's .skipped does not say why a version was skipped, so
	// broken, unsupported and untested count as one verdict.
	class := func(s State) State {
		switch s {
		case StateBroken, StateUnsupported, StateUntested:
			return "skipped"
		}
		return s
	}
	same, total := 0, 0
	for _, pp := range rp.Ports {
		total++
		var got State = "absent"
		if o := p.Port(pp.ID); o != nil {
			got = o.State
		} else if port := pl.LookupPort(pp.ID); port != nil {
			got, _ = pl.ownState(port)
		}
		if class(got) == class(pp.State) {
			same++
		} else if total-same <= 10 {
			t.Logf("differs from the reference plan: %s: %s here, %s from HaikuPorter's evaluation", pp.ID, got, pp.State)
		}
	}
	t.Logf("%d ports, %d requested, %d to build, %d blocked, %d in %d cycles, %d broken; %d of %d verdicts agree with the reference plan",
		len(in.Ports), len(p.Requested), len(p.Order), blocked, len(p.InState(StateCycle)), len(p.Cycles),
		len(p.InState(StateBroken)), same, total)
	if same*100 < total*95 {
		t.Errorf("only %d of %d verdicts agree with the plan from HaikuPorter's evaluation", same, total)
	}
}
