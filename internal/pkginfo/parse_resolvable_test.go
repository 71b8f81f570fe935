package pkginfo

import (
	"errors"
	"testing"
)

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", s, err)
	}
	return v
}

func TestParseResolvable(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		in   string
		want Resolvable
	}{
		{"cmd:foo", Resolvable{Name: "cmd:foo"}},
		{"lib:libz = 1.3.2", Resolvable{Name: "lib:libz", Version: v("1.3.2")}},
		{"zlib = 1.3.2 compat >= 1", Resolvable{Name: "zlib", Version: v("1.3.2"), Compat: v("1")}},
		{"zlib=1.3.2 compat>=1", Resolvable{Name: "zlib", Version: v("1.3.2"), Compat: v("1")}},
		{"zlib = 1.3.2 compatible >= 1", Resolvable{Name: "zlib", Version: v("1.3.2"), Compat: v("1")}},
		{"haiku=r1~beta5_hrev58900-1 compat>=R1~alpha4_pm_hrev51198", Resolvable{
			Name:    "haiku",
			Version: Version{Major: "r1", PreRelease: "beta5_hrev58900", Revision: 1},
			Compat:  Version{Major: "r1", PreRelease: "alpha4_pm_hrev51198"},
		}},
		{"  lib:libstdc++ = 6.0.28\n", Resolvable{Name: "lib:libstdc++", Version: v("6.0.28")}},
		{`"devel:lib Foo"`, Resolvable{Name: "devel:lib Foo"}}, // quoted: the lexer lets the space in... rejected below
		{"Mixed_Case", Resolvable{Name: "Mixed_Case"}},
		{"app:Tipster = 1.1.1", Resolvable{Name: "app:Tipster", Version: v("1.1.1")}},
	}
	for _, tt := range tests {
		got, err := ParseResolvable(tt.in)
		if tt.in == `"devel:lib Foo"` {
			if err == nil || !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseResolvable(%q) = %v, %v; want a syntax error (space in name)", tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseResolvable(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseResolvable(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		// The canonical form parses back to the same value.
		back, err := ParseResolvable(got.String())
		if err != nil || back != got {
			t.Errorf("ParseResolvable(%q) = %+v, %v; want %+v", got.String(), back, err, got)
		}
	}
}

func TestParseResolvableErrors(t *testing.T) {
	tests := []struct {
		in      string
		version bool // the error must also wrap ErrBadVersion
	}{
		{"", false},
		{"   ", false},
		{"foo-bar", false},
		{"foo/bar", false},
		{"foo = ", true},
		{"foo =", true},
		{"foo == 1", false},
		{"foo >= 1", false},
		{"foo 1", false},
		{"foo compat >= 1", false},
		{"foo = 1 compat", false},
		{"foo = 1 compat >= ", true},
		{"foo = 1 compat > 1", false},
		{"foo = 1 bar", false},
		{"foo = 1..2", true},
		{"foo = 1-0", true},
		{"foo = 1~", true},
		{"foo = a$b", true},
		{"foo = 1 compat >= x-y", true},
		{"foo !", false},
		{"foo = \"1", false},
		{"foo\x00", false},
		{"foo = 1; bar", false},
		{"{", false},
	}
	for _, tt := range tests {
		got, err := ParseResolvable(tt.in)
		if err == nil {
			t.Errorf("ParseResolvable(%q) = %+v, want an error", tt.in, got)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseResolvable(%q): %v does not wrap ErrSyntax", tt.in, err)
		}
		if tt.version && !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseResolvable(%q): %v does not wrap ErrBadVersion", tt.in, err)
		}
	}
}

func TestParseExpression(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		in   string
		want Expression
	}{
		{"lib:libfoo", Expression{Name: "lib:libfoo"}},
		{"haiku >= r1~beta4", Expression{Name: "haiku", Op: OpGreaterEqual, Version: v("r1~beta4")}},
		{"haiku>=r1~beta4", Expression{Name: "haiku", Op: OpGreaterEqual, Version: v("r1~beta4")}},
		{"haiku >= r1~beta1_hrev52295_129-1", Expression{Name: "haiku", Op: OpGreaterEqual,
			Version: Version{Major: "r1", PreRelease: "beta1_hrev52295_129", Revision: 1}}},
		{"foo < 2", Expression{Name: "foo", Op: OpLess, Version: v("2")}},
		{"foo<2", Expression{Name: "foo", Op: OpLess, Version: v("2")}},
		{"foo <= 2", Expression{Name: "foo", Op: OpLessEqual, Version: v("2")}},
		{"foo<=2", Expression{Name: "foo", Op: OpLessEqual, Version: v("2")}},
		{"foo == 2.0-3", Expression{Name: "foo", Op: OpEqual, Version: v("2.0-3")}},
		{"foo==2.0-3", Expression{Name: "foo", Op: OpEqual, Version: v("2.0-3")}},
		{"foo != 2", Expression{Name: "foo", Op: OpNotEqual, Version: v("2")}},
		{"foo!=2", Expression{Name: "foo", Op: OpNotEqual, Version: v("2")}},
		{"foo > 2", Expression{Name: "foo", Op: OpGreater, Version: v("2")}},
		{"foo>2", Expression{Name: "foo", Op: OpGreater, Version: v("2")}},
		{"foo base", Expression{Name: "foo", Base: true}},
		{"haiku >= r1~beta4 base", Expression{Name: "haiku", Op: OpGreaterEqual, Version: v("r1~beta4"), Base: true}},
		{"foo >= 1.0 # comment", Expression{Name: "foo", Op: OpGreaterEqual, Version: v("1.0")}},
		{"FOO >= 1.0BETA", Expression{Name: "FOO", Op: OpGreaterEqual, Version: v("1.0beta")}},
		// From real recipes: a compat clause in a requirement is dropped.
		{"lib:libtoxcore == 2.22.0 compat >= 2", Expression{Name: "lib:libtoxcore", Op: OpEqual, Version: v("2.22.0")}},
		{"moleinvasion == 0.4 compatible>=0", Expression{Name: "moleinvasion", Op: OpEqual, Version: v("0.4")}},
	}
	for _, tt := range tests {
		got, err := ParseExpression(tt.in)
		if err != nil {
			t.Errorf("ParseExpression(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseExpression(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		back, err := ParseExpression(got.String())
		if err != nil || back != got {
			t.Errorf("ParseExpression(%q) = %+v, %v; want %+v", got.String(), back, err, got)
		}
	}
}

func TestParseExpressionErrors(t *testing.T) {
	for _, in := range []string{
		"", "foo-bar", "foo = 1", "foo >=", "foo >= >= 1", "foo 1", "foo ! 1", "foo >= 1 bar",
		"foo >= 1 base base", "foo base >= 1", ">= 1", "foo >= 1-x", "foo >= 1 compat", "foo >= 1 compat > 1",
		"foo compat >= 1", "foo >= 1 compat >= 1-x", "foo >= 1 base compat >= 1", "foo >= 1 compat >= 1 x",
	} {
		got, err := ParseExpression(in)
		if err == nil {
			t.Errorf("ParseExpression(%q) = %+v, want an error", in, got)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseExpression(%q): %v does not wrap ErrSyntax", in, err)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", " \t", "# comment", "#\tlib:libag_sg = 7.0.0 compat >= 7", "\n;\n"} {
		if r, err := ParseResolvable(in); !errors.Is(err, ErrEmpty) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseResolvable(%q) = %v, %v; want ErrEmpty", in, r, err)
		}
		if e, err := ParseExpression(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseExpression(%q) = %v, %v; want ErrEmpty", in, e, err)
		}
	}
	if _, err := ParseResolvable("foo-bar"); errors.Is(err, ErrEmpty) {
		t.Errorf("ParseResolvable(foo-bar): %v wraps ErrEmpty", err)
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := ParseExpression("foo >= 1..2")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if pe.Line != 1 || pe.Col != 8 {
		t.Errorf("error at %d:%d, want 1:8 (%v)", pe.Line, pe.Col, err)
	}
}
