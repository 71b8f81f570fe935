package pkginfo

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// systemPackageFiles returns the real .PackageInfo fixtures.
func systemPackageFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.Fixture(t, "system-packages"), "*", "*.PackageInfo"))
	if err != nil || len(files) != 8 {
		t.Fatalf("system-packages fixtures: %v, %d files", err, len(files))
	}
	return files
}

func parseFile(t *testing.T, path string) *PackageInfo {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := ParsePackageInfo(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParsePackageInfoFixtures(t *testing.T) {
	haikuVersion := Version{Major: "r1", PreRelease: "beta5_hrev58900", Revision: 1}
	tests := []struct {
		file               string
		name               string
		arch               Architecture
		flags              Flags
		provides, requires int
		licenses           []string
		basePackage        string
		compat             string // the compat version of the package's own provides
	}{
		{"x86_64/haiku", "haiku", ArchX86_64, FlagSystemPackage, 27, 27, []string{"MIT", "GNU LGPL v2.1"}, "", "r1~alpha4_pm_hrev51198"},
		{"x86_64/haiku_devel", "haiku_devel", ArchX86_64, 0, 1, 1, []string{"MIT"}, "haiku", "r1~alpha1"},
		{"x86_64/makefile_engine", "makefile_engine", ArchAny, 0, 1, 2, []string{"MIT"}, "", ""},
		{"x86_gcc2/haiku", "haiku", ArchX86Gcc2, FlagSystemPackage, 28, 24, []string{"MIT", "GNU LGPL v2.1"}, "", "r1~alpha1"},
		{"x86_gcc2/haiku_devel", "haiku_devel", ArchX86Gcc2, 0, 1, 1, []string{"MIT"}, "haiku", "r1~alpha1"},
		{"x86_gcc2/haiku_x86", "haiku_x86", ArchX86Gcc2, FlagSystemPackage, 1, 21, []string{"MIT", "GNU LGPL v2.1"}, "", "r1~alpha1"},
		{"x86_gcc2/haiku_x86_devel", "haiku_x86_devel", ArchX86Gcc2, 0, 1, 2, []string{"MIT"}, "haiku_x86", "r1~alpha1"},
		{"x86_gcc2/makefile_engine", "makefile_engine", ArchAny, 0, 1, 2, []string{"MIT"}, "", ""},
	}
	if len(tests) != len(systemPackageFiles(t)) {
		t.Fatal("a fixture is not covered")
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := parseFile(t, testenv.Fixture(t, "system-packages/"+tt.file+".PackageInfo"))
			if p.Name != tt.name || p.Architecture != tt.arch || p.Version != haikuVersion || p.Flags != tt.flags {
				t.Errorf("got %s %s %s flags %d", p.Name, p.Version, p.Architecture, p.Flags)
			}
			if len(p.Provides) != tt.provides || len(p.Requires) != tt.requires {
				t.Errorf("%d provides, %d requires; want %d, %d", len(p.Provides), len(p.Requires), tt.provides, tt.requires)
			}
			if !reflect.DeepEqual(p.Licenses, tt.licenses) || p.BasePackage != tt.basePackage {
				t.Errorf("licenses %q base %q", p.Licenses, p.BasePackage)
			}
			own := p.Provides[0]
			if own.Name != tt.name || own.Version != haikuVersion || own.Compat.String() != tt.compat {
				t.Errorf("own provides %s", own)
			}
			if p.Vendor != "Haiku Project" || p.Packager != "The Haiku build system" || len(p.Copyrights) != 1 {
				t.Errorf("vendor %q packager %q copyrights %q", p.Vendor, p.Packager, p.Copyrights)
			}
			if p.CanonicalFileName() != tt.name+"-r1~beta5_hrev58900-1-"+tt.arch.String()+".hpkg" {
				t.Errorf("CanonicalFileName %s", p.CanonicalFileName())
			}
			assertRoundTrip(t, p)
		})
	}

	// Details of x86_64/haiku.
	p := parseFile(t, testenv.Fixture(t, "system-packages/x86_64/haiku.PackageInfo"))
	if !strings.HasPrefix(p.Description, "The Haiku base system includes") || !strings.Contains(p.Description, "like\nboot loader") {
		t.Errorf("description %q", p.Description)
	}
	if p.Summary != "The Haiku base system" {
		t.Errorf("summary %q", p.Summary)
	}
	if p.Provides[1].Name != "cmd:arp" || p.Provides[26].Name != "cmd:xres" {
		t.Errorf("provides %v … %v", p.Provides[1], p.Provides[26])
	}
	want := []Expression{
		{Name: "noto", Op: OpGreaterEqual, Version: Version{Major: "2", Minor: "7"}},
		{Name: "noto_sans_cjk_jp"},
	}
	if !reflect.DeepEqual(p.Requires[:2], want) {
		t.Errorf("requires %v", p.Requires[:2])
	}
	if e := p.Requires[len(p.Requires)-1]; e.Name != "lib:libexpat" {
		t.Errorf("last requires %v", e)
	}
	dev := parseFile(t, testenv.Fixture(t, "system-packages/x86_64/haiku_devel.PackageInfo"))
	if r := dev.Requires[0]; r.String() != "haiku == r1~beta5_hrev58900-1 base" || !r.Matches(p.Provides[0]) {
		t.Errorf("haiku_devel requires %s", r)
	}
}

// assertRoundTrip checks that p survives WritePackageInfo + ParsePackageInfo.
func assertRoundTrip(t *testing.T, p *PackageInfo) {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePackageInfo(&buf, p); err != nil {
		t.Fatalf("WritePackageInfo: %v", err)
	}
	back, err := ParsePackageInfo(&buf, "written")
	if err != nil {
		t.Fatalf("parse written text: %v\n%s", err, buf.String())
	}
	want := *p
	want.Checksum, want.InstallPath = "", ""
	if !reflect.DeepEqual(back, &want) {
		t.Fatalf("round trip changed the value:\n got %+v\nwant %+v\ntext:\n%s", back, &want, buf.String())
	}
}
