package plan

import "testing"

func TestVersionCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.10", "1.9", 1},
		{"1.0", "1.0.0", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc2", "1.0~rc10", -1},
		{"1.0-2", "1.0-10", -1},
		{"1.0-1", "1.0", 1},
		{"2", "10", -1},
		{"a", "B", -1},
		{"1a", "1", 1},
		{"r1~beta5_hrev58900-1", "r1~beta5", 1},
		{"r1~alpha4_pm_hrev51198", "r1~beta5", -1},
		{"007", "7", 0},
		{"99999999999999999999999", "1", 1},
		{"", "", 0},
		{"", "1", -1},
	}
	for _, c := range cases {
		if got := VersionCompare(c.a, c.b); got != c.want {
			t.Errorf("VersionCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := VersionCompare(c.b, c.a); got != -c.want {
			t.Errorf("VersionCompare(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestRules(t *testing.T) {
	cases := []struct {
		req, prov string
		hp, haiku bool
	}{
		{"foo", "foo", true, true},
		{"foo", "foo = 1", true, true},
		{"foo >= 1", "foo", false, false},
		{"foo >= 1.2", "foo = 1.5", true, false}, // Haiku: no compat means exact only
		{"foo == 1.5", "foo = 1.5", true, true},
		{"foo >= 1.2", "foo = 1.5 compat >= 1", true, true},
		{"foo >= 1.2", "foo = 1.5 compat >= 1.3", false, false},
		{"foo < 2", "foo = 1.5 compat >= 1", true, true},
		{"foo != 1.5", "foo = 1.5 compat >= 1", false, false},
		{"bar", "foo", false, false},
	}
	for _, c := range cases {
		e, r := ex(t, c.req), rs(t, c.prov)
		if got := RuleHaikuPorter.Matches(e, r); got != c.hp {
			t.Errorf("haikuporter: %q by %q = %v", c.req, c.prov, got)
		}
		if got := RuleHaiku.Matches(e, r); got != c.haiku {
			t.Errorf("haiku: %q by %q = %v", c.req, c.prov, got)
		}
	}
}
