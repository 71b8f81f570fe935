package pkginfo

import (
	"errors"
	"strings"
	"testing"
)

// TestParseVersion covers the syntax rules of FORMATS.md §3.3: parsing,
// lower-casing and the canonical form.
func TestParseVersion(t *testing.T) {
	tests := []struct {
		in        string
		want      Version
		canonical string
	}{
		{"1", Version{Major: "1"}, "1"},
		{"1.2", Version{Major: "1", Minor: "2"}, "1.2"},
		{"1.2.3", Version{Major: "1", Minor: "2", Micro: "3"}, "1.2.3"},
		{"1.2.3.4.5", Version{Major: "1", Minor: "2", Micro: "3.4.5"}, "1.2.3.4.5"}, // micro may hold dots
		{"1.2..3", Version{Major: "1", Minor: "2", Micro: ".3"}, "1.2..3"},          // as in Haiku
		{"1.2.3~rc1-2", Version{Major: "1", Minor: "2", Micro: "3", PreRelease: "rc1", Revision: 2}, "1.2.3~rc1-2"},
		{"1.0~rc1.1", Version{Major: "1", Minor: "0", PreRelease: "rc1.1"}, "1.0~rc1.1"},
		{"R1~Beta4_HREV56578_59-1", Version{Major: "r1", PreRelease: "beta4_hrev56578_59", Revision: 1}, "r1~beta4_hrev56578_59-1"},
		{"r1~beta1_hrev52295_129-1", Version{Major: "r1", PreRelease: "beta1_hrev52295_129", Revision: 1}, "r1~beta1_hrev52295_129-1"},
		{"1.0-4294967295", Version{Major: "1", Minor: "0", Revision: 4294967295}, "1.0-4294967295"},
		{"010", Version{Major: "010"}, "010"},
		{"1_2.a_b", Version{Major: "1_2", Minor: "a_b"}, "1_2.a_b"},
		{"2023.01.05-10", Version{Major: "2023", Minor: "01", Micro: "05", Revision: 10}, "2023.01.05-10"},
		{"ABC", Version{Major: "abc"}, "abc"},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.canonical {
			t.Errorf("ParseVersion(%q).String() = %q, want %q", tt.in, s, tt.canonical)
		}
		again, err := ParseVersion(got.String())
		if err != nil || again != got {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
		text, _ := got.MarshalText()
		var u Version
		if err := u.UnmarshalText(text); err != nil || u != got {
			t.Errorf("UnmarshalText(%q) = %+v, %v", text, u, err)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	for _, in := range []string{
		"",                          // empty
		".1",                        // empty major
		"1.",                        // empty minor
		"1..2",                      // empty minor
		"1.2.",                      // empty micro
		"1~",                        // empty pre-release
		"~beta1",                    // empty major
		"1.0~-1",                    // empty pre-release
		"1-",                        // empty revision
		"1-0",                       // revision 0
		"1-x",                       // non-numeric revision
		"1-1x",                      // non-numeric revision
		"1-+1",                      // sign
		"1- 1",                      // space
		"1-0x10",                    // hex (Haiku's strtoll would take it)
		"1-010",                     // leading zero (octal to Haiku)
		"1-4294967296",              // overflow
		"1-99999999999999999999999", // overflow
		"1.2-3-4",                   // '-' in the minor
		"1~be~ta",                   // '~' in the major
		"1$",                        // bad character in major
		"1.2$",                      // bad character in minor
		"1.2.3$",                    // bad character in micro
		"1.2.3~rc$",                 // bad character in pre-release
		"1.2~r:c",                   // bad character in pre-release
		"1 2",                       // space
		"1.a b",                     // space
		"\u212a",                    // Kelvin sign, lower-cases to 'k' with Unicode rules
		"1.\u00e9",                  // non-ASCII letter
		"1\x00",                     // NUL
	} {
		v, err := ParseVersion(in)
		if err == nil {
			t.Errorf("ParseVersion(%q) = %+v, want an error", in, v)
			continue
		}
		if !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseVersion(%q): %v does not wrap ErrBadVersion", in, err)
		}
	}
}

func TestParsePackageVersion(t *testing.T) {
	if v, err := ParsePackageVersion("1.0"); err == nil {
		t.Errorf("ParsePackageVersion(1.0) = %+v, want an error (no revision)", v)
	}
	v, err := ParsePackageVersion("r1~beta5_hrev58900-1")
	if err != nil || v.Revision != 1 || v.PreRelease != "beta5_hrev58900" {
		t.Errorf("ParsePackageVersion = %+v, %v", v, err)
	}
}

// TestVersionCompare covers Compare's rules (FORMATS.md §3.3); each pair is
// also checked in reverse.
func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.10", "1.9", 1},
		{"1~beta10", "1~beta9", 1},
		{"010", "10", 0},
		{"1.010", "1.10", 0},
		{"1.0", "1.0~rc1", 1}, // no pre-release sorts above any
		{"1.0-1", "1.0~rc1-5", 1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0~beta", "1.0~rc", -1},
		{"1.0-2", "1.0-1", 1},
		{"1.0-10", "1.0-9", 1}, // revision is numeric
		{"1.0-4294967295", "1.0-1", 1},
		{"1.0", "1.0-1", -1},
		{"R1", "r1", 0},
		{"R1~BETA4", "r1~beta4", 0},
		{"1.2.3.10", "1.2.3.9", 1}, // micro with dots
		{"1.2.3", "1.2", 1},
		{"1", "1.0", -1},
		{"1.0", "1.0", 0},
		{"2", "10", -1},
		{"1.a", "1.b", -1},
		{"1a", "1b", -1},
		{"1.9a", "1.10", -1},
		{"r1~beta5_hrev58900-1", "r1~beta4", 1},
		{"r1~alpha4_pm_hrev51198", "r1~beta5_hrev58900-1", -1},
		{"r1~beta4_hrev56578_59-1", "r1~beta4_hrev56578_100-1", -1},
		{"2.0", "1.99", 1},
	}
	for _, tt := range tests {
		a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
		if got := a.Compare(b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := b.Compare(a); got != -tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	// Compare is case-insensitive even on values not made by ParseVersion.
	if c := (Version{Major: "ABC"}).Compare(Version{Major: "abc"}); c != 0 {
		t.Errorf("Compare(ABC, abc) = %d, want 0", c)
	}
}

func TestVersionIsZero(t *testing.T) {
	if !(Version{}).IsZero() || mustVersion(t, "0").IsZero() {
		t.Error("IsZero wrong")
	}
	var v Version
	if err := v.UnmarshalText(nil); err != nil || !v.IsZero() {
		t.Errorf("UnmarshalText(empty) = %+v, %v", v, err)
	}
	if err := v.UnmarshalText([]byte("1-0")); err == nil {
		t.Error("UnmarshalText(1-0) succeeded")
	}
	long := strings.Repeat("9", 300)
	if _, err := ParseVersion(long); err != nil {
		t.Errorf("long major: %v", err)
	}
}
