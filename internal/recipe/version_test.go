package recipe

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.10", "1.9", 1},
		{"1.0", "1.0.0", -1},
		{"1.0", "1.0.1", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc2", "1.0~rc10", -1},
		{"2.0~beta1", "2.0", -1},
		{"2.0~beta2", "2.0~beta10", -1},
		{"2.0~rc1", "2.0~beta1", 1},
		{"0.15~git", "0.15", -1},
		{"1.0-2", "1.0-10", -1},
		{"1.0-1", "1.0", 1},
		{"2", "10", -1},
		{"a", "B", -1},
		{"1.2a", "1.2b", -1},
		{"1.2A", "1.2a", 0},
		{"1a", "1", 1},
		{"a", "1", 1}, // "a" > "" + 1 + "" chunk-wise: "" < "a"
		{"20230125.3", "20220623.1", 1},
		{"1.0_20251213", "1.0_20250101", 1},
		{"1.u242_b8", "1.u80", 1},
		{"r1~beta5_hrev58900-1", "r1~beta5", 1},
		{"r1~alpha4_pm_hrev51198", "r1~beta5", -1},
		{"007", "7", 0},
		{"99999999999999999999999", "1", 1},
		{"", "", 0},
		{"", "1", -1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// FuzzCompareVersions checks that HaikuPorter's version order is a total
// order on arbitrary strings: antisymmetric, reflexive, and never panics.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"1.0", "1.0~rc1"}, {"r1~beta5_hrev58900-1", "r1~alpha4_pm"}, {"1.10", "1.9"},
		{"", "0"}, {"007", "7"}, {"a.b~c~d", "a.b~c"}, {"1..2", "1.2"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("CompareVersions(%q, %q) = %d but (%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if CompareVersions(a, a) != 0 {
			t.Fatalf("CompareVersions(%q, %q) != 0", a, a)
		}
	})
}
