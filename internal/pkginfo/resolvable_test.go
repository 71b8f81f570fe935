package pkginfo

import "testing"

// TestMatches covers BPackageResolvableExpression::Matches (FORMATS.md
// §3.4) for every operator, with and without a compat version.
func TestMatches(t *testing.T) {
	plain := "foo = 1.2"                // no compat: only exact matches
	compat := "foo = 1.2 compat >= 1.0" // satisfies requirements within [1.0, 1.2]
	noVersion := "foo"                  // provides no version
	tests := []struct {
		provides string
		requires string
		want     bool
	}{
		{plain, "foo", true},
		{plain, "bar", false},
		{plain, "FOO", false}, // names compare exactly
		{plain, "foo == 1.2", true},
		{plain, "foo == 1.1", false},
		{plain, "foo >= 1.2", true},
		{plain, "foo >= 1.1", false}, // operator holds, but not exact and no compat
		{plain, "foo >= 1.3", false},
		{plain, "foo > 1.1", false},
		{plain, "foo > 1.2", false},
		{plain, "foo <= 1.2", true},
		{plain, "foo <= 1.3", false},
		{plain, "foo < 1.3", false},
		{plain, "foo < 1.2", false},
		{plain, "foo != 1.1", false},
		{plain, "foo != 1.2", false},

		{compat, "foo", true},
		{compat, "foo == 1.2", true},
		{compat, "foo == 1.1", false},
		{compat, "foo >= 1.2", true},
		{compat, "foo >= 1.1", true},
		{compat, "foo >= 1.0", true},
		{compat, "foo >= 0.9", false}, // below the compat version
		{compat, "foo >= 1.3", false},
		{compat, "foo > 1.1", true},
		{compat, "foo > 0.9", false},
		{compat, "foo > 1.2", false},
		{compat, "foo <= 1.2", true},
		{compat, "foo <= 1.3", true},
		{compat, "foo <= 1.1", false},
		{compat, "foo < 1.3", true},
		{compat, "foo < 1.2", false},
		{compat, "foo != 1.1", true},
		{compat, "foo != 0.5", false},
		{compat, "foo != 1.3", true}, // c < 0
		{compat, "foo != 1.2", false},
		{compat, "foo >= 1.2-1", false}, // 1.2 < 1.2-1
		{compat, "foo >= 1.2~rc1", true},

		{noVersion, "foo", true},
		{noVersion, "foo >= 1", false},
		{noVersion, "foo != 1", false},

		// The haiku system package of the x86_64 fixture.
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", "haiku >= r1~beta4", true},
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", "haiku >= r1~beta1_hrev52295_129-1", true},
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", "haiku >= r1~alpha1", false},
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", "haiku >= r1", false},
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", "haiku < r1", true},
	}
	for _, tt := range tests {
		p, err := ParseResolvable(tt.provides)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseExpression(tt.requires)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Matches(p); got != tt.want {
			t.Errorf("(%s).Matches(%s) = %v, want %v", tt.requires, tt.provides, got, tt.want)
		}
	}
}

func TestOperator(t *testing.T) {
	for i, s := range []string{"<", "<=", "==", "!=", ">=", ">"} {
		op, ok := ParseOperator(s)
		if !ok || op != Operator(i) || op.String() != s || !op.Valid() {
			t.Errorf("ParseOperator(%q) = %d, %v", s, op, ok)
		}
	}
	if _, ok := ParseOperator("="); ok {
		t.Error(`ParseOperator("=") succeeded`)
	}
	if Operator(6).Valid() || Operator(6).String() != "?" {
		t.Error("Operator(6) valid")
	}
}
