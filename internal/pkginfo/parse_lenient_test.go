package pkginfo

import (
	"errors"
	"testing"
)

func TestParseResolvableLenient(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		in   string
		want Resolvable
		rest string
	}{
		{"cmd:foo", Resolvable{Name: "cmd:foo"}, ""},
		{"zlib = 1.3.2 compat >= 1 # comment", Resolvable{Name: "zlib", Version: v("1.3.2"), Compat: v("1")}, ""},
		{"lib:libkf6dnssd = 6.28.0 libversioncompat", Resolvable{Name: "lib:libkf6dnssd", Version: v("6.28.0")}, "libversioncompat"},
		{"devel:libnsgif = 1.0.0 compat = 1.0.0 compat >= 1", Resolvable{Name: "devel:libnsgif", Version: v("1.0.0")}, "compat = 1.0.0 compat >= 1"},
		{"libktorrent_devel = 2.1.1 base", Resolvable{Name: "libktorrent_devel", Version: v("2.1.1")}, "base"},
		{"foo = 1 compat >= 1 junk\n", Resolvable{Name: "foo", Version: v("1"), Compat: v("1")}, "junk"},
	}
	for _, tt := range tests {
		got, rest, err := ParseResolvableLenient(tt.in)
		if err != nil || got != tt.want || rest != tt.rest {
			t.Errorf("ParseResolvableLenient(%q) = %+v, %q, %v; want %+v, %q", tt.in, got, rest, err, tt.want, tt.rest)
		}
	}
	for _, in := range []string{"", "# only a comment", "foo-bar", "foo = 1..2", "foo junk", "foo = 1 compat >= x-y"} {
		if r, rest, err := ParseResolvableLenient(in); err == nil {
			t.Errorf("ParseResolvableLenient(%q) = %+v, %q; want an error", in, r, rest)
		}
	}
	if _, _, err := ParseResolvableLenient("#\tlib:libag_sg = 7.0.0"); !errors.Is(err, ErrEmpty) {
		t.Errorf("comment-only: %v, want ErrEmpty", err)
	}
}

func TestParseExpressionLenient(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		in   string
		want Expression
		rest string
	}{
		{"haiku >= r1~beta4", Expression{Name: "haiku", Op: OpGreaterEqual, Version: v("r1~beta4")}, ""},
		{"foo base", Expression{Name: "foo", Base: true}, ""},
		{"lib:libtoxcore == 2.22.0 compat >= 2", Expression{Name: "lib:libtoxcore", Op: OpEqual, Version: v("2.22.0")}, ""},
		{"foo >= 1 compat > 2", Expression{Name: "foo", Op: OpGreaterEqual, Version: v("1")}, "compat > 2"},
		{"foo >= 1 junk", Expression{Name: "foo", Op: OpGreaterEqual, Version: v("1")}, "junk"},
		{"foo >= 1 junk base", Expression{Name: "foo", Op: OpGreaterEqual, Version: v("1"), Base: true}, "junk base"},
		{"foo >= 1 # not base", Expression{Name: "foo", Op: OpGreaterEqual, Version: v("1")}, ""},
	}
	for _, tt := range tests {
		got, rest, err := ParseExpressionLenient(tt.in)
		if err != nil || got != tt.want || rest != tt.rest {
			t.Errorf("ParseExpressionLenient(%q) = %+v, %q, %v; want %+v, %q", tt.in, got, rest, err, tt.want, tt.rest)
		}
	}
	for _, in := range []string{"", "foo junk", "foo = 1", "foo >= ", "a/b"} {
		if e, rest, err := ParseExpressionLenient(in); err == nil {
			t.Errorf("ParseExpressionLenient(%q) = %+v, %q; want an error", in, e, rest)
		}
	}
}
