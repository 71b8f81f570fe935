package ports

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestSecondaryTree evaluates the corpus for x86_gcc2 with the secondary
// architecture x86 (HaikuPorter has no reference for it) and checks the
// secondary-architecture rules on every port.
func TestSecondaryTree(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates the whole corpus twice")
	}
	target := recipe.Target{Arch: pkginfo.ArchX86Gcc2, Secondary: []pkginfo.Architecture{pkginfo.ArchX86}}
	tree, err := Load(context.Background(), testenv.Corpus(t), target, Options{Settings: referenceSettings(t)})
	if err != nil {
		t.Fatal(err)
	}
	var primary, secondary int
	for _, p := range tree.Active {
		if !p.Buildable || p.Error != "" || p.Status != recipe.StatusStable {
			t.Errorf("%s active but %s %q", p.ID(), p.Status, p.Error)
		}
		isSec := p.Target.ForSecondary == pkginfo.ArchX86
		if isSec != strings.HasSuffix(p.Name, "_x86") || (isSec && p.Name != p.BaseName+"_x86") {
			t.Errorf("%s: name %s, base %s, evaluated for %v", p.ID(), p.Name, p.BaseName, p.Target.ForSecondary)
		}
		if isSec {
			secondary++
		} else {
			primary++
		}
		for _, pk := range p.Packages {
			// default names: the port name (with _x86) + _<ext>, the base
			// name for any packages; PACKAGE_NAME may override them
			def := p.Name
			if pk.Architecture == pkginfo.ArchAny {
				def = p.BaseName
			}
			if pk.Suffix != "" {
				def += "_" + pk.Suffix
			}
			overridden := pk.Name != def
			switch pk.Architecture {
			case pkginfo.ArchAny, pkginfo.ArchSource:
			case pkginfo.ArchX86Gcc2:
				if isSec && !overridden && !strings.Contains(pk.Name, "_x86") {
					t.Errorf("%s: package %s lacks the _x86 suffix", p.ID(), pk.Name)
				}
			default:
				t.Errorf("%s: package %s has architecture %s", p.ID(), pk.Name, pk.Architecture)
			}
		}
		if isSec && len(p.Packages) > 0 && p.Packages[0].Architecture == pkginfo.ArchAny {
			t.Errorf("%s: a port whose first package is any is active as a secondary port", p.ID())
		}
	}
	// Most libraries are built for the x86 secondary architecture of the
	// gcc2 hybrid, and fewer ports work on x86_gcc2 itself than on x86_64.
	t.Logf("x86_gcc2: %d active, x86: %d active, %d skipped", primary, secondary, len(tree.Skipped))
	if primary < 500 || secondary < 1500 {
		t.Errorf("only %d x86_gcc2 and %d x86 ports active", primary, secondary)
	}
	for _, name := range []string{"zlib", "zlib_x86", "1oom_x86"} {
		if tree.Port(name) == nil {
			t.Errorf("%s not active", name)
		}
	}
	if p := tree.Port("1oom"); p != nil {
		t.Errorf("1oom (!x86_gcc2) active on x86_gcc2")
	}
	found := false
	for _, s := range tree.Skipped {
		if s.ID == "1oom-1.0" && s.Status == recipe.StatusBroken && s.Reason == "broken on x86_gcc2" {
			found = true
		}
	}
	if !found {
		t.Error("1oom-1.0 not skipped as broken on x86_gcc2")
	}
	checkSeparately(t, tree)
}

// checkSeparately evaluates every active port and skipped version of tree
// again on its own (recipe.Evaluate, nothing shared between the primary and
// the secondary evaluation of a recipe) and requires the same outcome as
// Load's, which prepares each recipe once for all variants.
func checkSeparately(t *testing.T, tree *Tree) {
	t.Helper()
	ctx := context.Background()
	st := tree.Settings()
	evaluate := func(name, version string) *recipe.Port {
		for _, v := range variants(tree.Target) {
			base, ok := strings.CutSuffix(name, "_"+v.ForSecondary.String())
			if v.ForSecondary == 0 {
				base, ok = name, true
			}
			if r := tree.Scan.ByID[base+"-"+version]; ok && r != nil {
				p, err := recipe.Evaluate(ctx, filepath.Join(tree.Root, filepath.FromSlash(r.Path)), tree.Root, v, st)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
		}
		t.Fatalf("%s-%s not in the tree", name, version)
		return nil
	}
	for _, p := range tree.Active {
		if q := evaluate(p.Name, p.Version); !reflect.DeepEqual(p, q) {
			a, _ := json.MarshalIndent(p, "", " ")
			b, _ := json.MarshalIndent(q, "", " ")
			t.Errorf("%s: Load's port differs from a separate evaluation:\n%s\n%s", p.ID(), a, b)
		}
	}
	for _, s := range tree.Skipped {
		if q := skipOf(evaluate(s.Name, s.Version), tree.Target); q != s {
			t.Errorf("%s: skipped as %+v, separately %+v", s.ID, s, q)
		}
	}
}
