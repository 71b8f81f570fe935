package main

import (
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// parseTargetArch parses the value of flag (--arch, --secondary) as an
// architecture packages are built for: any Haiku architecture but "any"
// and "source". The error names the flag, the value and the valid values.
func parseTargetArch(flag, s string) (pkginfo.Architecture, error) {
	a, err := pkginfo.ParseArchitecture(s)
	if err == nil && a != pkginfo.ArchAny && a != pkginfo.ArchSource {
		return a, nil
	}
	var valid []string
	for _, a := range pkginfo.Architectures() {
		if a != pkginfo.ArchAny && a != pkginfo.ArchSource {
			valid = append(valid, a.String())
		}
	}
	what := fmt.Sprintf("unknown architecture %q", s)
	if err == nil {
		what = fmt.Sprintf("%q is not a target architecture", s)
	}
	return 0, fmt.Errorf("%s: %s (valid: %s)", flag, what, strings.Join(valid, ", "))
}
