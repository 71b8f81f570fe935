package mock

import (
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// FuzzInfoFromFileName: a file name that parses gives a valid package info
// whose canonical file name is the input.
func FuzzInfoFromFileName(f *testing.F) {
	for _, s := range []string{"zlib-1.3.2-1-x86_64.hpkg", "gcc_syslibs-13.3.0_2023_08_10-1-x86_gcc2.hpkg",
		"a-1~beta1-2-any.hpkg", "x--1-any.hpkg", "zlib-1.3.2-x86_64.hpkg", ".hpkg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pi, err := InfoFromFileName(s)
		if err != nil {
			return
		}
		if got := pi.CanonicalFileName(); got != s {
			t.Errorf("%q parsed to a package named %q", s, got)
		}
		if err := pkginfo.ValidatePackageInfo(pi); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	})
}
