package recipe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// referenceSettings are the settings of the corpus's reference run.
func referenceSettings(t testing.TB) *Settings {
	t.Helper()
	s := DefaultSettings()
	// The reference ran HaikuPorter on Linux, not as a buildmaster.
	s.PackageLinksDirectory = "/packages"
	s.BuildArchitecture = "x86_64"
	s.KnownLicenses = testenv.KnownLicenses(t)
	return &s
}

// TestBashOracleSample evaluates a sample of corpus recipes with the
// system's bash and compares the DependencyInfos of buildable ports with
// the reference run's files.
func TestBashOracleSample(t *testing.T) {
	checkReferenceSample(t, bashShell)
}

// TestSandboxReferenceSample does the same with kiln's sandbox, the shell
// Evaluate uses.
func TestSandboxReferenceSample(t *testing.T) {
	checkReferenceSample(t, sandboxShell)
}

// checkReferenceSample evaluates every 20th corpus recipe with sh (every
// len($KILN_ORACLE_STEP)-th when set, so KILN_ORACLE_STEP=x means all) and
// compares the DependencyInfos of buildable ports with the reference run's.
func checkReferenceSample(t *testing.T, sh shellEvaluator) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs bash per recipe")
	}
	old := shell
	shell = sh
	t.Cleanup(func() { shell = old })
	tree := testenv.Corpus(t)
	ref := testenv.Reference(t)
	st := referenceSettings(t)
	recipes, _ := filepath.Glob(filepath.Join(tree, "*", "*", "*.recipe"))
	step := 20
	if n := os.Getenv("KILN_ORACLE_STEP"); n != "" {
		step = len(n)
	}
	for i := 0; i < len(recipes); i += step {
		rp := recipes[i]
		p, err := Evaluate(context.Background(), rp, tree, Target{Arch: pkginfo.ArchX86_64}, st)
		if err != nil {
			t.Errorf("%s: %v", rp, err)
			continue
		}
		if p.Name == "texlive" {
			continue // its sub-packages come from a file the corpus holds only as a placeholder
		}
		_, skipped := os.Stat(filepath.Join(ref, ".skipped", p.ID()))
		if p.Error != "" || !p.Buildable {
			if skipped != nil {
				t.Logf("%s: not active here (%s %s) but not skipped in reference", p.ID(), p.Status, p.Error)
			}
			continue
		}
		for i := range p.Packages {
			d := p.DependencyInfo(&p.Packages[i])
			want, err := os.ReadFile(filepath.Join(ref, d.FileName()))
			if err != nil {
				t.Logf("%s: %s missing in reference", p.ID(), d.FileName())
				continue
			}
			if got := d.MarshalHaikuPorter(); !bytes.Equal(got, want) {
				t.Errorf("%s: %s differs:\n%s\nwant\n%s", p.ID(), d.FileName(), got, want)
			}
		}
	}
}
