package plan

import "testing"

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
