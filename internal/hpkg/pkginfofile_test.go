package hpkg

import (
	"errors"
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestFixturePackageInfoFile reads each fixture's .PackageInfo file out of
// the heap by path and checks that, parsed, it means what the package
// attributes say.
func TestFixturePackageInfoFile(t *testing.T) {
	for _, name := range hpkgFixtures {
		t.Run(name, func(t *testing.T) {
			p := openFixture(t, name)
			text, err := p.ReadFile(PackageInfoFile, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.Lookup("/" + PackageInfoFile)
			if err != nil || int64(len(text)) != e.Size {
				t.Fatalf("lookup: %v, %d bytes read, entry says %d", err, len(text), e.Size)
			}
			parsed, err := pkginfo.ParsePackageInfoBytes(text, name+"/"+PackageInfoFile)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if !reflect.DeepEqual(*parsed, p.Info) {
				t.Errorf(".PackageInfo means\n %+v\nattributes say\n %+v", *parsed, p.Info)
			}
			if _, err := p.ReadFile("no/such/file", 0); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing file: %v", err)
			}
			if _, err := p.ReadFile(PackageInfoFile, 10); !errors.Is(err, ErrLimit) {
				t.Errorf("limit: %v", err)
			}
		})
	}
	p := openFixture(t, "tipster-1.1.1-1-x86_64.hpkg")
	tips, err := p.ReadFile("data/Tipster/tips-en.txt", 0)
	if err != nil || len(tips) != 5714 {
		t.Fatalf("tips-en.txt: %d bytes, %v", len(tips), err)
	}
	if _, err := p.ReadFile("data/Tipster", 0); err == nil {
		t.Error("ReadFile on a directory succeeded")
	}
}
