package recipe

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

func TestPySplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\r\nb\rc\vd\fe\x1cf\x1dg\x1eh", []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{"a\u0085b\u2028c\u2029d", []string{"a", "b", "c", "d"}},
		{"é\nü", []string{"é", "ü"}},
		{"\n", []string{""}},
	}
	for _, tt := range tests {
		if got := pySplitLines(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("pySplitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsSupportedKey(t *testing.T) {
	for key, want := range map[string]bool{
		"PROVIDES": true, "PROVIDES_devel": true, "PROVIDES_tools_devel": true, "SOURCE_URI_2": true,
		"PROVIDES_": false, "PROVIDESX": false, "provides": false, "PROVIDES_a-b": false, "BUILD_DEFINED": false,
		"SUMMARY_x86": true, "X": false, "": false,
	} {
		if got := isSupportedKey(key); got != want {
			t.Errorf("isSupportedKey(%q) = %t", key, got)
		}
	}
}

func TestCompareParseOutputKeys(t *testing.T) {
	out := "PROVIDES=A = 1\\nB\nPROVIDES_devel=x\nSOURCE_URI_2=u2\nBUILD_REQUIRES_devel=ignored\nREVISION= 02 \nINSTALL_DEFINED=1\n"
	pr, err := parseOutput(out, "f")
	if err != nil {
		t.Fatal(err)
	}
	if got := pr.byExtension[""].v[attrProvides]; !slices.Equal(got.([]string), []string{"a = 1", "b"}) {
		t.Errorf("PROVIDES = %q", got)
	}
	// an indexed key keeps the extension of the key before it (HaikuPorter)
	if idx, ok := pr.byExtension["devel"].v[attrSourceURI].(indexed); !ok || !slices.Equal(idx["2"].([]string), []string{"u2"}) {
		t.Errorf("SOURCE_URI_2 after PROVIDES_devel: %v", pr.byExtension["devel"])
	}
	if pr.byExtension[""].has(attrBuildRequires) || pr.byExtension["devel"].has(attrBuildRequires) {
		t.Error("per-port key with an extension was kept")
	}
	if pr.byExtension[""].v[attrRevision] != 2 || !slices.Equal(pr.definedPhases, []string{"INSTALL"}) {
		t.Errorf("REVISION %v, phases %q", pr.byExtension[""].v[attrRevision], pr.definedPhases)
	}
	for _, bad := range []string{"no equals sign\n", "PROVIDES=a-b = 1\n", "REVISION=x\n", "ARCHITECTURES=x86 all\n",
		"ARCHITECTURES=any x86\n", "ARCHITECTURES=vax\n", "DISABLE_SOURCE_PACKAGE=maybe\n", "BUILD_PACKAGE_ACTIVATION_PHASE=later\n"} {
		if _, err := parseOutput(bad, "f"); err == nil {
			t.Errorf("parseOutput(%q) accepted", bad)
		}
	}
}

// TestHaikuLicenses checks the built-in license list against the one of
// the reference run.
func TestHaikuLicenses(t *testing.T) {
	want := referenceSettings(t).KnownLicenses
	if !slices.Equal(HaikuLicenses, want) {
		t.Errorf("HaikuLicenses = %q, want %q", HaikuLicenses, want)
	}
}

// TestTimeLimit: an evaluation stopped by the time limit is broken and marked
// TimedOut (so that caches do not keep it).
func TestTimeLimit(t *testing.T) {
	tree, _ := filepath.Abs("testdata/tree")
	path := filepath.Join(tree, "dev-test/varcheck/varcheck-1.0.recipe")
	st := DefaultSettings()
	st.Timeout = time.Nanosecond // expires before the recipe runs
	p, err := EvaluateSource(context.Background(), []byte("A=1\n"), path, tree, Target{Arch: pkginfo.ArchX86_64}, &st)
	if err != nil {
		t.Fatal(err)
	}
	if p.Error == "" || !p.TimedOut || p.Status != StatusBroken {
		t.Fatalf("endless recipe: error %q, timed out %t", p.Error, p.TimedOut)
	}
	st.Timeout = 10 * time.Second
	p, err = EvaluateSource(context.Background(), []byte("exit 1\n"), path, tree, Target{Arch: pkginfo.ArchX86_64}, &st)
	if err != nil || p.Error == "" || p.TimedOut {
		t.Fatalf("failing recipe: %v, error %q, timed out %t", err, p.Error, p.TimedOut)
	}
}

// TestSourceOrder: sources whose indexes compare equal in HaikuPorter's
// natural order (SOURCE_URI and SOURCE_URI_001) come in a fixed order, the
// unindexed one first, on every evaluation (the order used to follow map
// iteration).
func TestSourceOrder(t *testing.T) {
	tree, _ := filepath.Abs("testdata/tree")
	path := filepath.Join(tree, "dev-test/varcheck/varcheck-1.0.recipe")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = append(src, "\nSOURCE_URI_001=\"https://example.org/p001\"\nCHECKSUM_SHA256_001=\"00\"\nSOURCE_URI_2=\"https://example.org/p2\"\nCHECKSUM_SHA256_2=\"00\"\nSOURCE_URI_01=\"https://example.org/p01\"\nCHECKSUM_SHA256_01=\"00\"\n"...)
	st := DefaultSettings()
	want := []string{"https://example.org/varcheck-1.0.tar.gz", "https://example.org/p001", "https://example.org/p01", "https://example.org/p2"}
	for range 30 {
		p, err := EvaluateSource(context.Background(), src, path, tree, Target{Arch: pkginfo.ArchX86_64}, &st)
		if err != nil || p.Error != "" {
			t.Fatal(err, p.Error)
		}
		if !slices.Equal(p.SourceURIs, want) {
			t.Fatalf("sources %q, want %q", p.SourceURIs, want)
		}
	}
}
