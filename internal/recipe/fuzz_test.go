package recipe

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// fuzzSeeds are corpus-like recipes small enough for fuzzing.
func fuzzSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/tree/dev-test/varcheck/varcheck-1.0.recipe")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, s := range []string{
		"SUMMARY=\"x\"\n",
		"PROVIDES_devel=\"a\"\nSOURCE_URI_2=\"x\"\n",
		"ARCHITECTURES=\"x86_64 all\"\n",
		"REVISION=\"1\"; REVISION=\"2\"\nPROVIDES=\"p = $portFullVersion\"\n",
		"defineDebugInfoPackage foo \"a b\" c/\n",
	} {
		f.Add([]byte(s))
	}
	corpus := testenv.Corpus(f)
	for _, rel := range []string{
		"sys-libs/zlib/zlib-1.3.2.recipe", "games-strategy/1oom/1oom-1.0.recipe",
		"dev-libs/libpcre/libpcre-8.45.recipe", "sys-block/sg3_utils/sg3_utils-1.42.recipe",
		"media-sound/timidity-freepats/timidity_freepats-20060219.recipe",
	} {
		d, err := os.ReadFile(filepath.Join(corpus, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d)
	}
}

// FuzzEvaluate runs mutated recipes through the sandbox and the attribute
// layer: no panic, a bounded time, and a consistent port.
func FuzzEvaluate(f *testing.F) {
	fuzzSeeds(f)
	tree, _ := filepath.Abs("testdata/tree")
	path := filepath.Join(tree, "dev-test/varcheck/varcheck-1.0.recipe")
	st := DefaultSettings()
	st.KnownLicenses = []string{"MIT"}
	st.Timeout = 500 * time.Millisecond
	targets := []Target{
		{Arch: pkginfo.ArchX86_64},
		{Arch: pkginfo.ArchX86Gcc2, Secondary: []pkginfo.Architecture{pkginfo.ArchX86}, ForSecondary: pkginfo.ArchX86},
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, target := range targets {
			start := time.Now()
			p, err := EvaluateSource(context.Background(), src, path, tree, target, &st)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("evaluation took %v", d)
			}
			if err != nil {
				t.Fatalf("error outside the recipe: %v", err)
			}
			checkPort(t, p)
		}
	})
}

// FuzzParseOutput feeds arbitrary evaluator output (KEY=value lines) to
// the key parser and validation.
func FuzzParseOutput(f *testing.F) {
	f.Add("SUMMARY=A b c\nDESCRIPTION=x\\ny\nPROVIDES=a = 1\\nb\nREVISION=1\nSOURCE_URI_2=u\nARCHITECTURES=all ?x86\nLICENSE=MIT\nCOPYRIGHT=me\nHOMEPAGE=h\nSOURCE_URI=u\nBUILD_DEFINED=1\n")
	f.Add("PROVIDES_devel=a\nSUMMARY_devel=X y z\nARCHITECTURES_devel=any\nPACKAGE_NAME_devel=n\n")
	f.Add("SOURCE_URI_2=x\nDISABLE_SOURCE_PACKAGE=maybe\n")
	f.Add("ARCHITECTURES=x86 all\n")
	f.Add("REVISION= +1_0 \nBUILD_PACKAGE_ACTIVATION_PHASE=install\n")
	tree, _ := filepath.Abs("testdata/tree")
	st := DefaultSettings()
	st.KnownLicenses = []string{"MIT"}
	f.Fuzz(func(t *testing.T, out string) {
		pc := &portContext{name: "varcheck", baseName: "varcheck", version: "1.0", file: "f",
			dir: filepath.Join(tree, "dev-test/varcheck"), effectiveArch: "x86_64", knownLicenses: st.KnownLicenses}
		pr, err := parseOutput(out, "f")
		if err != nil {
			return
		}
		rk, err := validate(pr, pc)
		if err != nil {
			return
		}
		p := &Port{Name: "varcheck", BaseName: "varcheck", Version: "1.0", Target: Target{Arch: pkginfo.ArchX86_64}}
		if err := buildPort(p, rk, pc, "x86_64", "", &st); err != nil {
			if !strings.Contains(err.Error(), ErrBroken.Error()) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		checkPort(t, p)
	})
}

func checkPort(t *testing.T, p *Port) {
	t.Helper()
	if _, err := json.Marshal(p); err != nil {
		t.Fatalf("port does not marshal: %v", err)
	}
	if p.Error != "" {
		if p.Status != StatusBroken || len(p.Packages) != 0 || p.Buildable {
			t.Fatalf("broken port with status %s, %d packages", p.Status, len(p.Packages))
		}
		return
	}
	switch p.Status {
	case StatusStable, StatusUntested, StatusBroken, StatusUnsupported:
	default:
		t.Fatalf("status %q", p.Status)
	}
	for i := range p.Packages {
		pk := &p.Packages[i]
		if pk.Name == "" || len(pk.RawProvides) == 0 {
			t.Fatalf("package %+v", pk)
		}
		d := p.DependencyInfo(pk)
		var back DependencyInfo
		if err := json.Unmarshal(d.MarshalHaikuPorter(), &back); err != nil {
			t.Fatalf("DependencyInfo does not parse back: %v", err)
		}
		if back.Name != d.Name || len(back.Provides) != len(d.Provides) || back.Version != d.Version {
			t.Fatalf("DependencyInfo round trip: %+v != %+v", back, d)
		}
		for j, s := range d.Provides {
			if back.Provides[j] != s {
				t.Fatalf("provides %q came back as %q", s, back.Provides[j])
			}
		}
	}
}
