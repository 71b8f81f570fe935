package pkginfo

import (
	"strings"
	"testing"
)

// TestParsePackageInfoFromHpkg parses the .PackageInfo files stored inside
// the two real HPKG fixtures (testdata/packageinfo).
func TestParsePackageInfoFromHpkg(t *testing.T) {
	tip := parseFile(t, "testdata/packageinfo/tipster.PackageInfo")
	if tip.Name != "tipster" || tip.Version.String() != "1.1.1-1" || tip.Architecture != ArchX86_64 ||
		tip.Packager != "Builder mmlr_x86_64 <hpkg-builder@haiku-os.org>" || tip.Vendor != "Haiku Project" {
		t.Errorf("tipster: %+v", tip)
	}
	if len(tip.Copyrights) != 6 || tip.Copyrights[5] != "2018 Janus" || len(tip.Licenses) != 1 {
		t.Errorf("tipster copyrights %q licenses %q", tip.Copyrights, tip.Licenses)
	}
	if len(tip.Provides) != 2 || tip.Provides[1].String() != "app:tipster = 1.1.1" {
		t.Errorf("tipster provides %v", tip.Provides)
	}
	if len(tip.Requires) != 1 || tip.Requires[0].String() != "haiku >= r1~beta1_hrev52295_129-1" {
		t.Errorf("tipster requires %v", tip.Requires)
	}
	if len(tip.SourceURLs) != 2 || tip.SourceURLs[1] != "https://ports-mirror.haiku-os.org/tipster/1.1.1.tar.gz" {
		t.Errorf("tipster source-urls %q", tip.SourceURLs) // the "# Download" lines are comments
	}
	if !strings.Contains(tip.Description, "interval.\n\nClicking on") {
		t.Errorf("tipster description %q", tip.Description)
	}
	assertRoundTrip(t, tip)

	ex := parseFile(t, "testdata/packageinfo/artificial.PackageInfo")
	if ex.Name != "example" || ex.Version.String() != "42.17-12" || ex.Architecture != ArchX86Gcc2 ||
		ex.Licenses[0] != "Public Domain" || len(ex.Provides) != 1 {
		t.Errorf("artificial: %+v", ex)
	}
	// Empty lists ("requires {\n}") parse to nil.
	if ex.Requires != nil || ex.URLs != nil || ex.GlobalWritableFiles != nil {
		t.Errorf("artificial: empty lists %v %v %v", ex.Requires, ex.URLs, ex.GlobalWritableFiles)
	}
	assertRoundTrip(t, ex)
}
