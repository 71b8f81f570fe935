package pkginfo

import "fmt"

// Architecture is a Haiku package architecture, with the numeric values of
// BPackageInfo::kArchitectureNames (the values stored in HPKG and HPKR files).
type Architecture uint8

// The architectures Haiku knows, in the order of their numeric values.
const (
	ArchAny Architecture = iota
	ArchX86
	ArchX86Gcc2
	ArchSource
	ArchX86_64
	ArchPPC
	ArchARM
	ArchM68K
	ArchSparc
	ArchARM64
	ArchRISCV64
	numArchitectures
)

var architectureNames = [numArchitectures]string{
	"any", "x86", "x86_gcc2", "source", "x86_64", "ppc", "arm", "m68k", "sparc", "arm64", "riscv64",
}

// String returns Haiku's name of the architecture, or "arch(N)" for a value
// Haiku does not know.
func (a Architecture) String() string {
	if a < numArchitectures {
		return architectureNames[a]
	}
	return fmt.Sprintf("arch(%d)", uint8(a))
}

// Valid reports whether a is an architecture Haiku knows.
func (a Architecture) Valid() bool { return a < numArchitectures }

// ParseArchitecture returns the architecture with the given name (case-insensitive).
func ParseArchitecture(s string) (Architecture, error) {
	l := asciiLower(s) // ASCII only, like Haiku's ICompare
	for i, n := range architectureNames {
		if n == l {
			return Architecture(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownArchitecture, s)
}

// MarshalText implements encoding.TextMarshaler (JSON uses the name).
func (a Architecture) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownArchitecture, uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Architecture) UnmarshalText(b []byte) error {
	v, err := ParseArchitecture(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Architectures returns every architecture Haiku knows, in the order of
// their numeric values.
func Architectures() []Architecture {
	l := make([]Architecture, numArchitectures)
	for i := range l {
		l[i] = Architecture(i)
	}
	return l
}
