package pkginfo

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Haiku package version: major[.minor[.micro]][~prerelease][-revision].
// All parts are stored lower-cased. The zero Version means "no version".
type Version struct {
	Major      string `json:"major"`
	Minor      string `json:"minor,omitempty"`
	Micro      string `json:"micro,omitempty"`
	PreRelease string `json:"preRelease,omitempty"`
	Revision   uint32 `json:"revision,omitempty"`
}

// IsZero reports whether v is the zero Version ("no version").
func (v Version) IsZero() bool { return v == Version{} }

// String returns the canonical form, as BPackageVersion::ToString does.
func (v Version) String() string {
	var b strings.Builder
	b.WriteString(v.Major)
	if v.Minor != "" {
		b.WriteByte('.')
		b.WriteString(v.Minor)
		if v.Micro != "" {
			b.WriteByte('.')
			b.WriteString(v.Micro)
		}
	}
	if v.PreRelease != "" {
		b.WriteByte('~')
		b.WriteString(v.PreRelease)
	}
	if v.Revision != 0 {
		b.WriteByte('-')
		b.WriteString(strconv.FormatUint(uint64(v.Revision), 10))
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the revision is optional.
func (v *Version) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*v = Version{}
		return nil
	}
	p, err := ParseVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseVersion parses a version as PackageInfoParser does, with the revision
// optional (as in resolvable expressions). Use ParsePackageVersion where the
// revision is required. The result is lower-cased.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest := asciiLower(s)
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		r := rest[i+1:]
		if len(r) > 1 && r[0] == '0' {
			// Haiku reads the revision with strtoll(…, 0): a leading 0
			// means octal there. Reject rather than guess.
			return Version{}, fmt.Errorf("%w %q: revision %q has a leading zero", ErrBadVersion, s, r)
		}
		n, err := strconv.ParseUint(r, 10, 32)
		if err != nil || n == 0 {
			return Version{}, fmt.Errorf("%w %q: revision must be a number from 1 to %d", ErrBadVersion, s, uint32(1<<32-1))
		}
		v.Revision = uint32(n)
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '~'); i >= 0 {
		v.PreRelease = rest[i+1:]
		rest = rest[:i]
		if v.PreRelease == "" || !validChars(v.PreRelease, true) {
			return Version{}, fmt.Errorf("%w %q: invalid pre-release %q", ErrBadVersion, s, v.PreRelease)
		}
	}
	major, after, hasMinor := strings.Cut(rest, ".")
	v.Major = major
	if hasMinor {
		minor, micro, hasMicro := strings.Cut(after, ".")
		v.Minor = minor
		if minor == "" {
			return Version{}, fmt.Errorf("%w %q: empty minor version", ErrBadVersion, s)
		}
		if hasMicro {
			if micro == "" {
				return Version{}, fmt.Errorf("%w %q: empty micro version", ErrBadVersion, s)
			}
			v.Micro = micro
		}
	}
	if v.Major == "" {
		return Version{}, fmt.Errorf("%w %q: empty major version", ErrBadVersion, s)
	}
	if !validChars(v.Major, false) || !validChars(v.Minor, false) || !validChars(v.Micro, true) {
		return Version{}, fmt.Errorf("%w %q: only letters, digits and '_' are allowed", ErrBadVersion, s)
	}
	return v, nil
}

// ParsePackageVersion parses a package's own version, whose revision is required.
func ParsePackageVersion(s string) (Version, error) {
	v, err := ParseVersion(s)
	if err != nil {
		return v, err
	}
	if v.Revision == 0 {
		return Version{}, fmt.Errorf("%w %q: no revision given in package version", ErrBadVersion, s)
	}
	return v, nil
}

// asciiLower lower-cases ASCII letters only, as Haiku's BString::ToLower
// does in the C locale (strings.ToLower would also map, for example, the
// Kelvin sign to a 'k').
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

func validChars(s string, dots bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case c == '.' && dots:
		default:
			return false
		}
	}
	return true
}

// Compare returns -1, 0 or +1 as BPackageVersion::Compare orders v and o:
// major, minor and micro by NaturalCompare, then the pre-release (an empty
// one sorts above any other), then the revision numerically.
func (v Version) Compare(o Version) int {
	if c := NaturalCompare(v.Major, o.Major); c != 0 {
		return c
	}
	if c := NaturalCompare(v.Minor, o.Minor); c != 0 {
		return c
	}
	if c := NaturalCompare(v.Micro, o.Micro); c != 0 {
		return c
	}
	switch {
	case v.PreRelease == "" && o.PreRelease != "":
		return 1
	case v.PreRelease != "" && o.PreRelease == "":
		return -1
	}
	if c := NaturalCompare(v.PreRelease, o.PreRelease); c != 0 {
		return c
	}
	switch {
	case v.Revision < o.Revision:
		return -1
	case v.Revision > o.Revision:
		return 1
	}
	return 0
}
