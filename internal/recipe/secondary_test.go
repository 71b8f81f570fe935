package recipe

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

func evalTest(t *testing.T, tree, rel string, target Target) *Port {
	t.Helper()
	st := DefaultSettings()
	st.KnownLicenses = referenceSettings(t).KnownLicenses
	p, err := Evaluate(context.Background(), filepath.Join(tree, filepath.FromSlash(rel)), tree, target, &st)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pkgNames(l []Package) []string {
	var out []string
	for _, p := range l {
		out = append(out, p.Name+"/"+p.Architecture.String()+"/"+string(p.Status))
	}
	return out
}

var (
	gcc2Hybrid = []pkginfo.Architecture{pkginfo.ArchX86}
	onGcc2     = Target{Arch: pkginfo.ArchX86Gcc2, Secondary: gcc2Hybrid}
	onX86      = Target{Arch: pkginfo.ArchX86Gcc2, Secondary: gcc2Hybrid, ForSecondary: pkginfo.ArchX86}
)

// TestSecondaryArchitecture checks the secondary-architecture rules on a
// synthetic recipe: names with _x86, the primary architecture on the
// packages, SECONDARY_ARCHITECTURES deciding the status, any-packages
// keeping their base name, and the shell variables that change.
func TestSecondaryArchitecture(t *testing.T) {
	tree, _ := filepath.Abs("testdata/tree")
	const rel = "dev-test/varcheck/varcheck-1.0.recipe"
	tests := []struct {
		name      string
		target    Target
		portName  string
		status    Status
		packages  []string
		other     []string
		provides0 []string
		requires0 []string
		buildReq  []string
		vars      map[string]string
	}{
		{
			name: "x86_64", target: Target{Arch: pkginfo.ArchX86_64}, portName: "varcheck", status: StatusStable,
			packages:  []string{"varcheck/x86_64/stable", "varcheck_devel/x86_64/stable", "varcheck_doc/any/stable"},
			other:     []string{"varcheck_tools/x86_64/broken"},
			provides0: []string{"varcheck = 1.0", "lib:libvarcheck = 1.0 compat >= 1"},
			requires0: []string{"haiku", "lib:libz >= 1.2"},
			buildReq:  []string{"haiku_devel"},
			vars: map[string]string{"portName": "varcheck", "portRevision": "3", "portFullVersion": "1.0-3",
				"portRevisionedName": "varcheck-1.0-3", "secondaryArchSuffix": "", "effectiveTargetArchitecture": "x86_64",
				"effectiveTargetMachineTriple": "x86_64-unknown-haiku", "targetArchitecture": "x86_64",
				"prefix": "stub/varcheck-1.0-3/.self", "binDir": "stub/varcheck-1.0-3/.self/bin",
				"libDir": "stub/varcheck-1.0-3/.self/lib", "developLibDir": "stub/varcheck-1.0-3/.self/develop/lib",
				"docDir": "stub/varcheck-1.0-3/.self/documentation/packages/varcheck", "buildArchitecture": "any"},
		},
		{
			name: "x86_gcc2 primary", target: onGcc2, portName: "varcheck", status: StatusStable,
			packages:  []string{"varcheck/x86_gcc2/stable", "varcheck_devel/x86_gcc2/stable", "varcheck_doc/any/stable"},
			other:     []string{"varcheck_tools/x86_gcc2/broken"},
			provides0: []string{"varcheck = 1.0", "lib:libvarcheck = 1.0 compat >= 1"},
			requires0: []string{"haiku", "lib:libz >= 1.2"},
			buildReq:  []string{"haiku_devel"},
			vars: map[string]string{"secondaryArchSuffix": "", "effectiveTargetArchitecture": "x86_gcc2",
				"effectiveTargetMachineTriple": "i586-pc-haiku", "binDir": "stub/varcheck-1.0-3/.self/bin"},
		},
		{
			name: "x86 secondary on x86_gcc2", target: onX86, portName: "varcheck_x86", status: StatusStable,
			// the any package keeps the base name; tools, !all on primary
			// architectures, inherits SECONDARY_ARCHITECTURES (x86 stable)
			packages: []string{"varcheck_x86/x86_gcc2/stable", "varcheck_x86_devel/x86_gcc2/stable",
				"varcheck_doc/any/stable", "varcheck_x86_tools/x86_gcc2/stable"},
			other:     nil,
			provides0: []string{"varcheck_x86 = 1.0", "lib:libvarcheck_x86 = 1.0 compat >= 1"},
			requires0: []string{"haiku_x86", "lib:libz_x86 >= 1.2"},
			buildReq:  []string{"haiku_x86_devel"},
			vars: map[string]string{"portName": "varcheck_x86", "portBaseName": "varcheck", "secondaryArchSuffix": "_x86",
				"secondaryArchSubDir": "/x86", "effectiveTargetArchitecture": "x86", "targetArchitecture": "x86_gcc2",
				"effectiveTargetMachineTriple": "i586-pc-haiku", "portRevisionedName": "varcheck_x86-1.0-3",
				"prefix": "stub/varcheck_x86-1.0-3/.self", "binDir": "stub/varcheck_x86-1.0-3/.self/bin/x86",
				"libDir": "stub/varcheck_x86-1.0-3/.self/lib/x86", "developLibDir": "stub/varcheck_x86-1.0-3/.self/develop/lib/x86",
				"includeDir": "stub/varcheck_x86-1.0-3/.self/develop/headers/x86", "relativeBinDir": "bin/x86",
				"docDir": "stub/varcheck_x86-1.0-3/.self/documentation/packages/varcheck_x86"},
		},
		{
			name: "arm (marked !arm)", target: Target{Arch: pkginfo.ArchARM}, portName: "varcheck", status: StatusBroken,
			packages:  []string{"varcheck_doc/any/stable"},
			other:     []string{"varcheck/arm/broken", "varcheck_devel/arm/broken", "varcheck_tools/arm/broken"},
			provides0: []string{"varcheck_doc = 1.0"},
			requires0: []string{},
			buildReq:  []string{"haiku_devel"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := evalTest(t, tree, rel, tt.target)
			if p.Error != "" {
				t.Fatal(p.Error)
			}
			if p.Name != tt.portName || p.BaseName != "varcheck" || p.Status != tt.status || p.Buildable != (tt.status == StatusStable) {
				t.Errorf("port %s/%s status %s buildable %t", p.Name, p.BaseName, p.Status, p.Buildable)
			}
			if got := pkgNames(p.Packages); !slices.Equal(got, tt.packages) {
				t.Errorf("packages %q, want %q", got, tt.packages)
			}
			if got := pkgNames(p.OtherPackages); !slices.Equal(got, tt.other) {
				t.Errorf("other packages %q, want %q", got, tt.other)
			}
			if len(p.Packages) > 0 {
				if got := p.Packages[0].RawProvides; !slices.Equal(got, tt.provides0) {
					t.Errorf("provides %q, want %q", got, tt.provides0)
				}
				if got := p.Packages[0].RawRequires; !slices.Equal(got, tt.requires0) {
					t.Errorf("requires %q, want %q", got, tt.requires0)
				}
			}
			if !slices.Equal(p.RawBuildRequires, tt.buildReq) {
				t.Errorf("build requires %q, want %q", p.RawBuildRequires, tt.buildReq)
			}
			if p.Revision != 3 || !slices.Equal(p.DefinedPhases, []string{"BUILD", "INSTALL"}) {
				t.Errorf("revision %d phases %q", p.Revision, p.DefinedPhases)
			}
			vars := map[string]string{}
			for _, l := range strings.Split(p.Message, "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					vars[k] = v
				}
			}
			for k, want := range tt.vars {
				if vars[k] != want {
					t.Errorf("$%s = %q, want %q", k, vars[k], want)
				}
			}
		})
	}
}

// TestSecondaryCorpus evaluates corpus recipes for x86_gcc2 and its x86
// secondary architecture.
func TestSecondaryCorpus(t *testing.T) {
	tree := testenv.Corpus(t)
	tests := []struct {
		rel      string
		target   Target
		name     string
		status   Status
		packages []string
	}{
		{"sys-libs/zlib/zlib-1.3.2.recipe", onX86, "zlib_x86", StatusStable, []string{"zlib_x86/x86_gcc2/stable", "zlib_x86_devel/x86_gcc2/stable"}},
		{"sys-libs/zlib/zlib-1.3.2.recipe", onGcc2, "zlib", StatusStable, []string{"zlib/x86_gcc2/stable", "zlib_devel/x86_gcc2/stable"}},
		// 1oom is !x86_gcc2 but sets SECONDARY_ARCHITECTURES="x86" on x86_gcc2
		{"games-strategy/1oom/1oom-1.0.recipe", onGcc2, "1oom", StatusBroken, nil},
		{"games-strategy/1oom/1oom-1.0.recipe", onX86, "1oom_x86", StatusStable, []string{"1oom_x86/x86_gcc2/stable"}},
		// an any-architecture port is unsupported as a secondary one
		// (its any package on its own would be buildable)
		{"media-sound/timidity-freepats/timidity_freepats-20060219.recipe", onX86, "timidity_freepats_x86", StatusUnsupported, []string{"timidity_freepats/any/stable"}},
		// SECONDARY_ARCHITECTURES="!x86"
		{"dev-util/rustup/rustup-1.28.2.recipe", onX86, "rustup_x86", StatusBroken, nil},
		// no SECONDARY_ARCHITECTURES
		{"app-cdr/bchunk/bchunk-1.2.2.recipe", onX86, "bchunk_x86", StatusUnsupported, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := evalTest(t, tree, tt.rel, tt.target)
			if p.Error != "" {
				t.Fatal(p.Error)
			}
			if p.Name != tt.name || p.Status != tt.status {
				t.Errorf("port %s status %s, want %s %s", p.Name, p.Status, tt.name, tt.status)
			}
			if got := pkgNames(p.Packages); !slices.Equal(got, tt.packages) {
				t.Errorf("packages %q, want %q", got, tt.packages)
			}
		})
	}
}
